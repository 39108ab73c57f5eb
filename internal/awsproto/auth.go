package awsproto

import (
	"net/http"
	"strings"
)

// DefaultAccount is the account used when the access key id does not name
// one.
const DefaultAccount = "000000000000"

// DefaultRegion is the region used when the request does not name one.
const DefaultRegion = "us-east-1"

// Caller is who sent a request, as far as the signature tells.
type Caller struct {
	AccessKey string
	Account   string
	Region    string
	// Signed reports whether the request carried a SigV4/SigV4a signature.
	Signed bool
	// Algorithm is AWS4-HMAC-SHA256 or AWS4-ECDSA-P256-SHA256.
	Algorithm string
	// Service is the signing name from the credential scope.
	Service string
}

// ParseCaller reads the access key, account and region from a request's
// Authorization header (or presigned query parameters). Signatures are not
// verified here. A 12-digit access key id selects that account.
func ParseCaller(r *http.Request, defaultRegion string) Caller {
	c := Caller{Account: DefaultAccount, Region: defaultRegion}
	auth := r.Header.Get("Authorization")
	cred := ""
	switch {
	case auth != "":
		alg, rest, _ := strings.Cut(auth, " ")
		c.Algorithm = alg
		for _, part := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && k == "Credential" {
				cred = v
			}
		}
	case r.URL.Query().Get("X-Amz-Credential") != "":
		c.Algorithm = r.URL.Query().Get("X-Amz-Algorithm")
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	if cred == "" {
		return c
	}
	c.Signed = true
	parts := strings.Split(cred, "/")
	c.AccessKey = parts[0]
	switch {
	case len(parts) >= 5: // key/date/region/service/aws4_request
		if parts[2] != "" {
			c.Region = parts[2]
		}
		c.Service = parts[3]
	case len(parts) == 4: // SigV4a: key/date/service/aws4_request
		c.Service = parts[2]
		if set := r.Header.Get("X-Amz-Region-Set"); set != "" && set != "*" {
			first, _, _ := strings.Cut(set, ",")
			if !strings.Contains(first, "*") {
				c.Region = strings.TrimSpace(first)
			}
		}
	}
	if isAccountID(c.AccessKey) {
		c.Account = c.AccessKey
	}
	return c
}

// ValidRegion reports whether a region name has the shape of an AWS
// region (lower-case letters, digits and dashes), so it is safe to use in
// ARNs, keys and subjects.
func ValidRegion(r string) bool {
	if r == "" || len(r) > 64 {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
