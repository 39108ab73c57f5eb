// Package sdkhttp is the HTTP client Switchyard's end-to-end tests and
// benchmarks give the AWS SDK for Go v2.
//
// The SDK closes a request's body as soon as the response arrives, while
// net/http's write loop may still read it (to check for EOF after
// ContentLength bytes): the connection is then torn down and the response
// fails with "use of closed network connection" (aws/aws-sdk-go-v2#2737).
// Fast servers, such as Switchyard on loopback, and bodies over 4 KiB hit
// that often; OwnBody gives the transport its own copy of every body.
package sdkhttp

import (
	"bytes"
	"io"
	"net/http"
)

// New returns a client whose transport keeps up to maxIdle idle
// connections per host and owns its request bodies.
func New(maxIdle int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = maxIdle
	tr.MaxIdleConnsPerHost = maxIdle
	return &http.Client{Transport: OwnBody{Next: tr}}
}

// OwnBody is a RoundTripper that hands Next a copy of each request body.
type OwnBody struct{ Next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (o OwnBody) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	return o.Next.RoundTrip(req)
}
