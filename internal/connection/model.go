package connection

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/store"
	"github.com/switchyard/switchyard/internal/uuid"
)

// Scope is an account and region: every connection and API destination
// lives in one.
type Scope = arn.Scope

// Connection states, as EventBridge reports them.
const (
	ConnectionCreating      = "CREATING"
	ConnectionUpdating      = "UPDATING"
	ConnectionDeleting      = "DELETING"
	ConnectionAuthorized    = "AUTHORIZED"
	ConnectionDeauthorized  = "DEAUTHORIZED"
	ConnectionAuthorizing   = "AUTHORIZING"
	ConnectionDeauthorizing = "DEAUTHORIZING"
)

// Authorization types of a connection.
const (
	AuthBasic  = "BASIC"
	AuthAPIKey = "API_KEY"
	AuthOAuth  = "OAUTH_CLIENT_CREDENTIALS"
)

// API destination states.
const (
	APIDestinationActive   = "ACTIVE"
	APIDestinationInactive = "INACTIVE"
)

// DefaultInvocationRate is the InvocationRateLimitPerSecond EventBridge
// gives an API destination created without one.
const DefaultInvocationRate = 300

// SigningSecretHeader is Switchyard's reserved connection header parameter
// (InvocationHttpParameters.HeaderParameters) holding Standard Webhooks
// signing secrets. It is never sent to the endpoint and its value is
// always kept encrypted and left out of DescribeConnection, whatever
// IsValueSecret says.
const SigningSecretHeader = "Switchyard-Webhook-Secret"

// Sealed is a secret encrypted with the SecretBox ("v1:..."), or
// "" when there is none.
type Sealed string

// Param is one header, query string or body parameter of a connection.
// Secret values are kept only in Sealed.
type Param struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Secret bool   `json:"secret,omitempty"`
	Sealed Sealed `json:"sealed,omitempty"`
}

// HTTPParams are a connection's additional HTTP parameters.
type HTTPParams struct {
	Headers []Param `json:"headers,omitempty"`
	Query   []Param `json:"query,omitempty"`
	Body    []Param `json:"body,omitempty"`
}

// BasicAuth is BASIC authorization.
type BasicAuth struct {
	Username string `json:"username"`
	Password Sealed `json:"password,omitempty"`
}

// APIKeyAuth is API_KEY authorization: a header carrying the key.
type APIKeyAuth struct {
	Name  string `json:"name"`
	Value Sealed `json:"value,omitempty"`
}

// OAuthAuth is OAUTH_CLIENT_CREDENTIALS authorization.
type OAuthAuth struct {
	ClientID              string      `json:"clientId"`
	ClientSecret          Sealed      `json:"clientSecret,omitempty"`
	AuthorizationEndpoint string      `json:"authorizationEndpoint"`
	HTTPMethod            string      `json:"httpMethod"`
	HTTP                  *HTTPParams `json:"http,omitempty"`
}

// ConnectionAuth is a connection's authorization parameters.
type ConnectionAuth struct {
	Basic        *BasicAuth      `json:"basic,omitempty"`
	APIKey       *APIKeyAuth     `json:"apiKey,omitempty"`
	OAuth        *OAuthAuth      `json:"oauth,omitempty"`
	Invocation   *HTTPParams     `json:"invocation,omitempty"`
	Connectivity json.RawMessage `json:"connectivity,omitempty"`
}

// Connection is an EventBridge connection: how API destinations that use
// it authorize with their endpoints. Secrets are stored sealed.
type Connection struct {
	Scope
	Name string `json:"name"`
	// ID is the UUID that ends the connection ARN.
	ID string `json:"id"`
	// SecretID ends the SecretArn EventBridge reports ("<uuid>-<suffix>");
	// empty while the connection has no secret (deauthorized).
	SecretID               string          `json:"secretId,omitempty"`
	Description            string          `json:"description,omitempty"`
	AuthorizationType      string          `json:"authorizationType"`
	State                  string          `json:"state"`
	StateReason            string          `json:"stateReason,omitempty"`
	Auth                   ConnectionAuth  `json:"auth"`
	InvocationConnectivity json.RawMessage `json:"invocationConnectivity,omitempty"`
	KmsKeyIdentifier       string          `json:"kmsKeyIdentifier,omitempty"`
	// AuthVersion changes whenever the authorization material changes, so
	// cached credentials (OAuth tokens) can tell they are stale.
	AuthVersion    int       `json:"authVersion"`
	Created        time.Time `json:"created"`
	Modified       time.Time `json:"modified"`
	LastAuthorized time.Time `json:"lastAuthorized,omitzero"`

	// Rev is the bucket revision the record was read at.
	Rev uint64 `json:"-"`
}

// Arn returns the connection ARN.
func (c *Connection) Arn() string { return ConnectionArn(c.Scope, c.Name, c.ID) }

// SecretArn returns the ARN EventBridge reports for the connection's
// secret (Switchyard keeps the secret in the catalog bucket, encrypted).
func (c *Connection) SecretArn() string {
	if c.SecretID == "" {
		return ""
	}
	return c.Scope.In("secretsmanager", "secret:events!connection/"+c.Name+"/"+c.SecretID).String()
}

// ConnectionArn returns the ARN of a connection.
func ConnectionArn(s Scope, name, id string) string {
	return s.In("events", "connection/"+name+"/"+id).String()
}

// APIDestination is an EventBridge API destination.
type APIDestination struct {
	Scope
	Name               string    `json:"name"`
	ID                 string    `json:"id"`
	Description        string    `json:"description,omitempty"`
	ConnectionArn      string    `json:"connectionArn"`
	InvocationEndpoint string    `json:"invocationEndpoint"`
	HTTPMethod         string    `json:"httpMethod"`
	RateLimit          int32     `json:"rateLimit"`
	Created            time.Time `json:"created"`
	Modified           time.Time `json:"modified"`

	Rev uint64 `json:"-"`
}

// Arn returns the API destination ARN.
func (d *APIDestination) Arn() string { return APIDestinationArn(d.Scope, d.Name, d.ID) }

// APIDestinationArn returns the ARN of an API destination.
func APIDestinationArn(s Scope, name, id string) string {
	return s.In("events", "api-destination/"+name+"/"+id).String()
}

// ResourcePrefix is the start of the ARNs of every incarnation of a
// connection or API destination (kind "connection" or "api-destination"):
// the ARN up to and including the "/" before its id.
func ResourcePrefix(s Scope, kind, name string) string {
	return s.In("events", kind+"/"+name+"/").String()
}

// ParseResourceArn splits arn:aws:events:<region>:<account>:<kind>/<name>/<id>
// (kind "connection" or "api-destination").
func ParseResourceArn(v, kind string) (s Scope, name, id string, ok bool) {
	a, err := arn.Parse(v)
	if err != nil || a.Service != "events" {
		return s, "", "", false
	}
	rest, found := a.ResourceOf(kind)
	if !found || !strings.HasPrefix(a.Resource, kind+"/") {
		return s, "", "", false
	}
	name, id, found = strings.Cut(rest, "/")
	if !found || name == "" || id == "" || strings.Contains(id, "/") {
		return s, "", "", false
	}
	return Scope{Account: a.Account, Region: a.Region}, name, id, true
}

// Kinds of key in the bucket (see store.RecordKey): connection.<account>.
// <region>.<name> and apidest.<account>.<region>.<name>.
const (
	kindConnection = "connection"
	kindAPIDest    = "apidest"
)

func connectionKey(s Scope, name string) string {
	return store.RecordKey(kindConnection, s.Account, s.Region, name)
}

func apiDestinationKey(s Scope, name string) string {
	return store.RecordKey(kindAPIDest, s.Account, s.Region, name)
}

// newSecretID returns "<uuid>-<6 letters>", the shape of the last part of
// a Secrets Manager secret ARN.
func newSecretID() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return uuid.New() + "-" + string(b[:])
}
