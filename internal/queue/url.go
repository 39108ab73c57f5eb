package queue

import (
	"net/http"
	"net/url"
	"strings"
)

// queueURL returns a queue's URL as the client should see it: the host it
// used to reach us, then /<account>/<name>, so the URL works with whatever
// endpoint the client was configured with.
func queueURL(r *http.Request, account, name string) string {
	scheme, host := "http", "localhost"
	if r != nil {
		if r.TLS != nil {
			scheme = "https"
		}
		if r.Host != "" {
			host = r.Host
		}
	}
	return scheme + "://" + host + "/" + account + "/" + name
}

// parseQueueURL reads the account and queue name from the last two path
// segments of a queue URL, whatever its host.
func parseQueueURL(raw string) (account, name string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", false
	}
	segments := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	if len(segments) < 2 {
		return "", "", false
	}
	account, name = segments[len(segments)-2], segments[len(segments)-1]
	if account == "" || name == "" || strings.Contains(account, ".") {
		return "", "", false
	}
	return account, name, true
}
