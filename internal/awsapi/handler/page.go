package handler

import (
	"encoding/base64"
	"sort"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
)

// Page slices a list sorted by name for EventBridge's NextToken/Limit
// pagination: it returns the items after token (the default limit, or
// limit when it is positive) and the token of the next page, nil on the
// last. The token is the last name returned, base64url-encoded: opaque to
// callers, and still valid when items are added or removed between pages.
func Page[T any](items []T, name func(T) string, token *string, limit *int32, defaultLimit int) ([]T, *string, error) {
	start := 0
	if t := awsapi.Value(token); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil {
			return nil, nil, events.ErrValidationException("The provided NextToken is not valid.")
		}
		after := string(raw)
		start = sort.Search(len(items), func(i int) bool { return name(items[i]) > after })
	}
	n := defaultLimit
	if limit != nil && *limit > 0 {
		n = int(*limit)
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		next = awsapi.Ptr(base64.RawURLEncoding.EncodeToString([]byte(name(items[end-1]))))
	}
	return items[start:end], next, nil
}
