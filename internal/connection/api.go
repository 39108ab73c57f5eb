package connection

import (
	"net/url"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// API serves the EventBridge operations on connections and API
// destinations.
type API struct {
	conns *Catalog
}

// NewAPI returns the connection and API destination operations over c.
func NewAPI(c *Catalog) *API { return &API{conns: c} }

// Operations returns the handlers this package implements, by name.
func (a *API) Operations() map[string]awsproto.Operation {
	return map[string]awsproto.Operation{
		"CreateConnection":       handler.Handle(a.createConnection),
		"DescribeConnection":     handler.Handle(a.describeConnection),
		"UpdateConnection":       handler.Handle(a.updateConnection),
		"DeleteConnection":       handler.Handle(a.deleteConnection),
		"ListConnections":        handler.Handle(a.listConnections),
		"DeauthorizeConnection":  handler.Handle(a.deauthorizeConnection),
		"CreateApiDestination":   handler.Handle(a.createAPIDestination),
		"DescribeApiDestination": handler.Handle(a.describeAPIDestination),
		"UpdateApiDestination":   handler.Handle(a.updateAPIDestination),
		"DeleteApiDestination":   handler.Handle(a.deleteAPIDestination),
		"ListApiDestinations":    handler.Handle(a.listAPIDestinations),
	}
}

// Error texts. "Failed to describe the connection(s). Connection '<name>'
// does not exist." and its api-destination twin are AWS's recorded
// messages; the other verbs follow the same form.
func errConnectionNotFound(verb, name string) error {
	return events.ErrResourceNotFoundException("Failed to %s the connection(s). Connection '%s' does not exist.", verb, name)
}

func errAPIDestinationNotFound(verb, name string) error {
	return events.ErrResourceNotFoundException("Failed to %s the api-destination(s). An api-destination '%s' does not exist.", verb, name)
}

func errConnectionInvalid(verb, param, reason string) error {
	return events.ErrValidationException("Failed to %s the connection(s). Parameter %s is not valid. Reason: %s", verb, param, reason)
}

func errAPIDestinationInvalid(verb, param, reason string) error {
	return events.ErrValidationException("Failed to %s the api-destination(s). Parameter %s is not valid. Reason: %s", verb, param, reason)
}

// validEndpoint accepts absolute http(s) URLs. EventBridge requires HTTPS;
// Switchyard also accepts plain HTTP, because local receivers (and tests)
// rarely have certificates.
func validEndpoint(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil && u.Fragment == ""
}
