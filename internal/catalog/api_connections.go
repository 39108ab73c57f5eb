package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/uuid"
)

// Error texts. "Failed to describe the connection(s). Connection '<name>'
// does not exist." and its api-destination twin are AWS's recorded
// messages; the other verbs follow the same form.
func errConnectionNotFound(verb, name string) error {
	return awsproto.Errorf("ResourceNotFoundException", "Failed to %s the connection(s). Connection '%s' does not exist.", verb, name)
}

func errAPIDestinationNotFound(verb, name string) error {
	return awsproto.Errorf("ResourceNotFoundException", "Failed to %s the api-destination(s). An api-destination '%s' does not exist.", verb, name)
}

func errConnectionInvalid(verb, param, reason string) error {
	return awsproto.Errorf("ValidationException", "Failed to %s the connection(s). Parameter %s is not valid. Reason: %s", verb, param, reason)
}

func errAPIDestinationInvalid(verb, param, reason string) error {
	return awsproto.Errorf("ValidationException", "Failed to %s the api-destination(s). Parameter %s is not valid. Reason: %s", verb, param, reason)
}

// validEndpoint accepts absolute http(s) URLs. EventBridge requires HTTPS;
// Switchyard also accepts plain HTTP, because local receivers (and tests)
// rarely have certificates.
func validEndpoint(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil && u.Fragment == ""
}

func boolVal(p *bool) bool { return p != nil && *p }

// sealParams converts API parameters, sealing secret values (and the
// Switchyard signing secret header, always).
func sealParams(box *SecretBox, arn string, in *events.ConnectionHttpParameters) *HTTPParams {
	if in == nil {
		return nil
	}
	out := &HTTPParams{Headers: []Param{}, Query: []Param{}, Body: []Param{}}
	seal := func(key, value string, secret bool) Param {
		if secret || strings.EqualFold(key, SigningSecretHeader) {
			return Param{Key: key, Secret: secret, Sealed: box.Seal(arn, value)}
		}
		return Param{Key: key, Value: value}
	}
	for _, p := range in.HeaderParameters {
		out.Headers = append(out.Headers, seal(awsapi.Value(p.Key), awsapi.Value(p.Value), boolVal(p.IsValueSecret)))
	}
	for _, p := range in.QueryStringParameters {
		out.Query = append(out.Query, seal(awsapi.Value(p.Key), awsapi.Value(p.Value), boolVal(p.IsValueSecret)))
	}
	for _, p := range in.BodyParameters {
		out.Body = append(out.Body, seal(awsapi.Value(p.Key), awsapi.Value(p.Value), boolVal(p.IsValueSecret)))
	}
	return out
}

// paramsOut renders stored parameters for Describe: secret values are
// left out (only the key and IsValueSecret are returned).
func paramsOut(p *HTTPParams) *events.ConnectionHttpParameters {
	if p == nil {
		return nil
	}
	out := &events.ConnectionHttpParameters{}
	show := func(q Param) (*string, *bool) {
		var v *string
		if q.Sealed == "" && !q.Secret {
			v = awsapi.Ptr(q.Value)
		}
		return v, awsapi.Ptr(q.Secret)
	}
	for _, q := range p.Headers {
		v, s := show(q)
		out.HeaderParameters = append(out.HeaderParameters, events.ConnectionHeaderParameter{Key: awsapi.Ptr(q.Key), Value: v, IsValueSecret: s})
	}
	for _, q := range p.Query {
		v, s := show(q)
		out.QueryStringParameters = append(out.QueryStringParameters, events.ConnectionQueryStringParameter{Key: awsapi.Ptr(q.Key), Value: v, IsValueSecret: s})
	}
	for _, q := range p.Body {
		v, s := show(q)
		out.BodyParameters = append(out.BodyParameters, events.ConnectionBodyParameter{Key: awsapi.Ptr(q.Key), Value: v, IsValueSecret: s})
	}
	return out
}

// dropSecretParams removes the secret values of parameters (deauthorize).
func dropSecretParams(p *HTTPParams) {
	if p == nil {
		return
	}
	for _, list := range [][]Param{p.Headers, p.Query, p.Body} {
		for i := range list {
			list[i].Sealed = ""
		}
	}
}

func rawOf(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil || string(data) == "null" {
		return nil
	}
	return data
}

// complete reports whether the connection holds every secret its
// authorization type needs.
func (c *Connection) complete() bool {
	switch c.AuthorizationType {
	case AuthBasic:
		return c.Auth.Basic != nil && c.Auth.Basic.Password != ""
	case AuthAPIKey:
		return c.Auth.APIKey != nil && c.Auth.APIKey.Value != ""
	case AuthOAuth:
		return c.Auth.OAuth != nil && c.Auth.OAuth.ClientSecret != ""
	}
	return false
}

// authorizedState is the state a complete connection of the type reaches
// right after a write: OAuth needs a token exchange first.
func authorizedState(authType string) string {
	if authType == AuthOAuth {
		return ConnectionAuthorizing
	}
	return ConnectionAuthorized
}

func (a *API) createConnection(ctx context.Context, r *awsproto.Request, in *events.CreateConnectionRequest) (any, error) {
	s := awsapi.ScopeOf(r)
	box, err := a.cat.SecretBox()
	if err != nil {
		return nil, err
	}
	name, authType := awsapi.Value(in.Name), string(*in.AuthorizationType)
	p := in.AuthParameters
	now := time.Now().UTC()
	conn := &Connection{
		Scope: s, Name: name, ID: uuid.New(), SecretID: newSecretID(),
		Description: awsapi.Value(in.Description), AuthorizationType: authType,
		InvocationConnectivity: rawOf(in.InvocationConnectivityParameters),
		KmsKeyIdentifier:       awsapi.Value(in.KmsKeyIdentifier),
		AuthVersion:            1, Created: now, Modified: now, LastAuthorized: now,
	}
	arn := conn.Arn()
	given := 0
	if p.BasicAuthParameters != nil {
		given++
	}
	if p.ApiKeyAuthParameters != nil {
		given++
	}
	if p.OAuthParameters != nil {
		given++
	}
	switch authType {
	case AuthBasic:
		b := p.BasicAuthParameters
		if b == nil || given != 1 {
			return nil, errConnectionInvalid("create", "AuthParameters", "BasicAuthParameters must be specified for authorization type BASIC.")
		}
		conn.Auth.Basic = &BasicAuth{Username: awsapi.Value(b.Username), Password: box.Seal(arn, awsapi.Value(b.Password))}
	case AuthAPIKey:
		k := p.ApiKeyAuthParameters
		if k == nil || given != 1 {
			return nil, errConnectionInvalid("create", "AuthParameters", "ApiKeyAuthParameters must be specified for authorization type API_KEY.")
		}
		conn.Auth.APIKey = &APIKeyAuth{Name: awsapi.Value(k.ApiKeyName), Value: box.Seal(arn, awsapi.Value(k.ApiKeyValue))}
	case AuthOAuth:
		o := p.OAuthParameters
		if o == nil || given != 1 {
			return nil, errConnectionInvalid("create", "AuthParameters", "OAuthParameters must be specified for authorization type OAUTH_CLIENT_CREDENTIALS.")
		}
		if !validEndpoint(awsapi.Value(o.AuthorizationEndpoint)) {
			return nil, errConnectionInvalid("create", "AuthorizationEndpoint", "Endpoint '"+awsapi.Value(o.AuthorizationEndpoint)+"' is invalid, please provide a valid HTTPS endpoint URL.")
		}
		conn.Auth.OAuth = &OAuthAuth{
			ClientID: awsapi.Value(o.ClientParameters.ClientID), ClientSecret: box.Seal(arn, awsapi.Value(o.ClientParameters.ClientSecret)),
			AuthorizationEndpoint: awsapi.Value(o.AuthorizationEndpoint), HTTPMethod: string(*o.HttpMethod),
			HTTP: sealParams(box, arn, o.OAuthHttpParameters),
		}
	}
	conn.Auth.Invocation = sealParams(box, arn, p.InvocationHttpParameters)
	conn.Auth.Connectivity = rawOf(p.ConnectivityParameters)
	conn.State = authorizedState(authType)
	if err := a.cat.CreateConnection(ctx, conn); err != nil {
		if errors.Is(err, ErrExists) {
			return nil, awsproto.Errorf("ResourceAlreadyExistsException", "Failed to create the connection(s). Connection '%s' already exists.", name)
		}
		return nil, err
	}
	st := events.ConnectionState(conn.State)
	return &events.CreateConnectionResponse{
		ConnectionArn: awsapi.Ptr(arn), ConnectionState: &st,
		CreationTime: awsapi.OptionalTimestamp(conn.Created), LastModifiedTime: awsapi.OptionalTimestamp(conn.Modified),
	}, nil
}

func (a *API) describeConnection(ctx context.Context, r *awsproto.Request, in *events.DescribeConnectionRequest) (any, error) {
	conn, ok := a.cat.Connection(awsapi.ScopeOf(r), awsapi.Value(in.Name))
	if !ok {
		return nil, errConnectionNotFound("describe", awsapi.Value(in.Name))
	}
	st, at := events.ConnectionState(conn.State), events.ConnectionAuthorizationType(conn.AuthorizationType)
	out := &events.DescribeConnectionResponse{
		ConnectionArn: awsapi.Ptr(conn.Arn()), Name: awsapi.Ptr(conn.Name), Description: awsapi.Optional(conn.Description),
		ConnectionState: &st, StateReason: awsapi.Optional(conn.StateReason), AuthorizationType: &at,
		SecretArn: awsapi.Optional(conn.SecretArn()), KmsKeyIdentifier: awsapi.Optional(conn.KmsKeyIdentifier),
		AuthParameters: authOut(conn),
		CreationTime:   awsapi.OptionalTimestamp(conn.Created), LastModifiedTime: awsapi.OptionalTimestamp(conn.Modified), LastAuthorizedTime: awsapi.OptionalTimestamp(conn.LastAuthorized),
	}
	if len(conn.InvocationConnectivity) > 0 {
		var p events.DescribeConnectionConnectivityParameters
		if json.Unmarshal(conn.InvocationConnectivity, &p) == nil {
			out.InvocationConnectivityParameters = &p
		}
	}
	return out, nil
}

// authOut is what DescribeConnection shows of the authorization: never a
// password, API key value, client secret or secret parameter value.
func authOut(conn *Connection) *events.ConnectionAuthResponseParameters {
	out := &events.ConnectionAuthResponseParameters{InvocationHttpParameters: paramsOut(conn.Auth.Invocation)}
	if b := conn.Auth.Basic; b != nil {
		out.BasicAuthParameters = &events.ConnectionBasicAuthResponseParameters{Username: awsapi.Ptr(b.Username)}
	}
	if k := conn.Auth.APIKey; k != nil {
		out.ApiKeyAuthParameters = &events.ConnectionApiKeyAuthResponseParameters{ApiKeyName: awsapi.Ptr(k.Name)}
	}
	if o := conn.Auth.OAuth; o != nil {
		m := events.ConnectionOAuthHttpMethod(o.HTTPMethod)
		out.OAuthParameters = &events.ConnectionOAuthResponseParameters{
			ClientParameters:      &events.ConnectionOAuthClientResponseParameters{ClientID: awsapi.Ptr(o.ClientID)},
			AuthorizationEndpoint: awsapi.Ptr(o.AuthorizationEndpoint), HttpMethod: &m,
			OAuthHttpParameters: paramsOut(o.HTTP),
		}
	}
	if len(conn.Auth.Connectivity) > 0 {
		var p events.DescribeConnectionConnectivityParameters
		if json.Unmarshal(conn.Auth.Connectivity, &p) == nil {
			out.ConnectivityParameters = &p
		}
	}
	return out
}

func (a *API) updateConnection(ctx context.Context, r *awsproto.Request, in *events.UpdateConnectionRequest) (any, error) {
	s, name := awsapi.ScopeOf(r), awsapi.Value(in.Name)
	if _, ok := a.cat.Connection(s, name); !ok {
		return nil, errConnectionNotFound("update", name)
	}
	box, err := a.cat.SecretBox()
	if err != nil {
		return nil, err
	}
	conn, err := a.cat.UpdateConnection(ctx, s, name, func(c *Connection) error {
		arn := c.Arn()
		now := time.Now().UTC()
		authChanged := false
		if in.Description != nil {
			c.Description = *in.Description
		}
		if in.KmsKeyIdentifier != nil {
			c.KmsKeyIdentifier = *in.KmsKeyIdentifier
		}
		if in.InvocationConnectivityParameters != nil {
			c.InvocationConnectivity = rawOf(in.InvocationConnectivityParameters)
		}
		if in.AuthorizationType != nil && string(*in.AuthorizationType) != c.AuthorizationType {
			c.AuthorizationType = string(*in.AuthorizationType)
			c.Auth.Basic, c.Auth.APIKey, c.Auth.OAuth = nil, nil, nil
			authChanged = true
		}
		if p := in.AuthParameters; p != nil {
			if b := p.BasicAuthParameters; b != nil {
				if c.Auth.Basic == nil {
					c.Auth.Basic = &BasicAuth{}
				}
				if b.Username != nil {
					c.Auth.Basic.Username = *b.Username
				}
				if b.Password != nil {
					c.Auth.Basic.Password = box.Seal(arn, *b.Password)
				}
				authChanged = true
			}
			if k := p.ApiKeyAuthParameters; k != nil {
				if c.Auth.APIKey == nil {
					c.Auth.APIKey = &APIKeyAuth{}
				}
				if k.ApiKeyName != nil {
					c.Auth.APIKey.Name = *k.ApiKeyName
				}
				if k.ApiKeyValue != nil {
					c.Auth.APIKey.Value = box.Seal(arn, *k.ApiKeyValue)
				}
				authChanged = true
			}
			if o := p.OAuthParameters; o != nil {
				if c.Auth.OAuth == nil {
					c.Auth.OAuth = &OAuthAuth{}
				}
				if cp := o.ClientParameters; cp != nil {
					if cp.ClientID != nil {
						c.Auth.OAuth.ClientID = *cp.ClientID
					}
					if cp.ClientSecret != nil {
						c.Auth.OAuth.ClientSecret = box.Seal(arn, *cp.ClientSecret)
					}
				}
				if o.AuthorizationEndpoint != nil {
					if !validEndpoint(*o.AuthorizationEndpoint) {
						return errConnectionInvalid("update", "AuthorizationEndpoint", "Endpoint '"+*o.AuthorizationEndpoint+"' is invalid, please provide a valid HTTPS endpoint URL.")
					}
					c.Auth.OAuth.AuthorizationEndpoint = *o.AuthorizationEndpoint
				}
				if o.HttpMethod != nil {
					c.Auth.OAuth.HTTPMethod = string(*o.HttpMethod)
				}
				if o.OAuthHttpParameters != nil {
					c.Auth.OAuth.HTTP = sealParams(box, arn, o.OAuthHttpParameters)
				}
				authChanged = true
			}
			if p.InvocationHttpParameters != nil {
				c.Auth.Invocation = sealParams(box, arn, p.InvocationHttpParameters)
				authChanged = true
			}
			if p.ConnectivityParameters != nil {
				c.Auth.Connectivity = rawOf(p.ConnectivityParameters)
			}
		}
		if err := c.checkAuthShape("update"); err != nil {
			return err
		}
		c.Modified = now
		if authChanged || c.State == ConnectionDeauthorized {
			if c.complete() {
				if c.SecretID == "" {
					c.SecretID = newSecretID()
				}
				c.State, c.StateReason = authorizedState(c.AuthorizationType), ""
				c.LastAuthorized = now
			} else {
				c.State = ConnectionDeauthorized
			}
			if authChanged {
				c.AuthVersion++
			}
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, errConnectionNotFound("update", name)
	}
	if err != nil {
		return nil, err
	}
	st := events.ConnectionState(conn.State)
	return &events.UpdateConnectionResponse{
		ConnectionArn: awsapi.Ptr(conn.Arn()), ConnectionState: &st,
		CreationTime: awsapi.OptionalTimestamp(conn.Created), LastModifiedTime: awsapi.OptionalTimestamp(conn.Modified), LastAuthorizedTime: awsapi.OptionalTimestamp(conn.LastAuthorized),
	}, nil
}

// checkAuthShape refuses a connection whose parameters do not fit its
// authorization type.
func (c *Connection) checkAuthShape(verb string) error {
	var ok bool
	switch c.AuthorizationType {
	case AuthBasic:
		ok = c.Auth.Basic != nil && c.Auth.APIKey == nil && c.Auth.OAuth == nil
	case AuthAPIKey:
		ok = c.Auth.APIKey != nil && c.Auth.Basic == nil && c.Auth.OAuth == nil
	case AuthOAuth:
		ok = c.Auth.OAuth != nil && c.Auth.Basic == nil && c.Auth.APIKey == nil
	}
	if !ok {
		want := map[string]string{AuthBasic: "BasicAuthParameters", AuthAPIKey: "ApiKeyAuthParameters", AuthOAuth: "OAuthParameters"}[c.AuthorizationType]
		return errConnectionInvalid(verb, "AuthParameters", want+" must be specified for authorization type "+c.AuthorizationType+".")
	}
	return nil
}

func (a *API) deleteConnection(ctx context.Context, r *awsproto.Request, in *events.DeleteConnectionRequest) (any, error) {
	name := awsapi.Value(in.Name)
	conn, err := a.cat.DeleteConnection(ctx, awsapi.ScopeOf(r), name)
	if errors.Is(err, ErrNotFound) {
		return nil, errConnectionNotFound("delete", name)
	}
	if err != nil {
		return nil, err
	}
	st := events.ConnectionStateDeleting
	return &events.DeleteConnectionResponse{
		ConnectionArn: awsapi.Ptr(conn.Arn()), ConnectionState: &st,
		CreationTime: awsapi.OptionalTimestamp(conn.Created), LastModifiedTime: awsapi.OptionalTimestamp(conn.Modified), LastAuthorizedTime: awsapi.OptionalTimestamp(conn.LastAuthorized),
	}, nil
}

func (a *API) deauthorizeConnection(ctx context.Context, r *awsproto.Request, in *events.DeauthorizeConnectionRequest) (any, error) {
	name := awsapi.Value(in.Name)
	conn, err := a.cat.UpdateConnection(ctx, awsapi.ScopeOf(r), name, func(c *Connection) error {
		if b := c.Auth.Basic; b != nil {
			b.Password = ""
		}
		if k := c.Auth.APIKey; k != nil {
			k.Value = ""
		}
		if o := c.Auth.OAuth; o != nil {
			o.ClientSecret = ""
			dropSecretParams(o.HTTP)
		}
		dropSecretParams(c.Auth.Invocation)
		c.SecretID = ""
		c.State, c.StateReason = ConnectionDeauthorized, ""
		c.AuthVersion++
		c.Modified = time.Now().UTC()
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, errConnectionNotFound("deauthorize", name)
	}
	if err != nil {
		return nil, err
	}
	// The secret is gone once the write is applied; EventBridge answers
	// with the transitional state.
	st := events.ConnectionStateDeauthorizing
	return &events.DeauthorizeConnectionResponse{
		ConnectionArn: awsapi.Ptr(conn.Arn()), ConnectionState: &st,
		CreationTime: awsapi.OptionalTimestamp(conn.Created), LastModifiedTime: awsapi.OptionalTimestamp(conn.Modified), LastAuthorizedTime: awsapi.OptionalTimestamp(conn.LastAuthorized),
	}, nil
}

func (a *API) listConnections(ctx context.Context, r *awsproto.Request, in *events.ListConnectionsRequest) (any, error) {
	var conns []*Connection
	for _, c := range a.cat.Connections(awsapi.ScopeOf(r)) {
		if !strings.HasPrefix(c.Name, awsapi.Value(in.NamePrefix)) {
			continue
		}
		if in.ConnectionState != nil && string(*in.ConnectionState) != c.State {
			continue
		}
		conns = append(conns, c)
	}
	pg, next, err := awsapi.Page(conns, func(c *Connection) string { return c.Name }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	out := &events.ListConnectionsResponse{Connections: []events.Connection{}, NextToken: next}
	for _, c := range pg {
		st, at := events.ConnectionState(c.State), events.ConnectionAuthorizationType(c.AuthorizationType)
		out.Connections = append(out.Connections, events.Connection{
			ConnectionArn: awsapi.Ptr(c.Arn()), Name: awsapi.Ptr(c.Name), ConnectionState: &st, StateReason: awsapi.Optional(c.StateReason),
			AuthorizationType: &at, CreationTime: awsapi.OptionalTimestamp(c.Created), LastModifiedTime: awsapi.OptionalTimestamp(c.Modified), LastAuthorizedTime: awsapi.OptionalTimestamp(c.LastAuthorized),
		})
	}
	return out, nil
}

// connectionFor resolves an API destination's ConnectionArn in the
// caller's scope.
func (a *API) connectionFor(s Scope, arn, verb string) (*Connection, error) {
	cs, name, _, ok := ParseResourceArn(arn, "connection")
	conn, found := a.cat.ConnectionByArn(arn)
	if !ok || cs != s || !found {
		if name == "" {
			name = arn
		}
		return nil, awsproto.Errorf("ResourceNotFoundException", "Failed to %s the api-destination(s). Connection '%s' does not exist.", verb, name)
	}
	return conn, nil
}

func (a *API) createAPIDestination(ctx context.Context, r *awsproto.Request, in *events.CreateApiDestinationRequest) (any, error) {
	s, name := awsapi.ScopeOf(r), awsapi.Value(in.Name)
	if !validEndpoint(awsapi.Value(in.InvocationEndpoint)) {
		return nil, errAPIDestinationInvalid("create", "InvocationEndpoint", "Endpoint '"+awsapi.Value(in.InvocationEndpoint)+"' is invalid, please provide a valid HTTPS endpoint URL.")
	}
	if _, err := a.connectionFor(s, awsapi.Value(in.ConnectionArn), "create"); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	d := &APIDestination{
		Scope: s, Name: name, ID: uuid.New(), Description: awsapi.Value(in.Description),
		ConnectionArn: awsapi.Value(in.ConnectionArn), InvocationEndpoint: awsapi.Value(in.InvocationEndpoint),
		HTTPMethod: string(*in.HttpMethod), RateLimit: DefaultInvocationRate, Created: now, Modified: now,
	}
	if in.InvocationRateLimitPerSecond != nil {
		d.RateLimit = *in.InvocationRateLimitPerSecond
	}
	if err := a.cat.CreateAPIDestination(ctx, d); err != nil {
		if errors.Is(err, ErrExists) {
			return nil, awsproto.Errorf("ResourceAlreadyExistsException", "Failed to create the api-destination(s). An api-destination '%s' already exists.", name)
		}
		return nil, err
	}
	st := events.ApiDestinationState(a.cat.APIDestinationState(d))
	return &events.CreateApiDestinationResponse{
		ApiDestinationArn: awsapi.Ptr(d.Arn()), ApiDestinationState: &st,
		CreationTime: awsapi.OptionalTimestamp(d.Created), LastModifiedTime: awsapi.OptionalTimestamp(d.Modified),
	}, nil
}

func (a *API) apiDestinationOut(d *APIDestination) events.ApiDestination {
	st, m := events.ApiDestinationState(a.cat.APIDestinationState(d)), events.ApiDestinationHttpMethod(d.HTTPMethod)
	return events.ApiDestination{
		ApiDestinationArn: awsapi.Ptr(d.Arn()), Name: awsapi.Ptr(d.Name), ApiDestinationState: &st,
		ConnectionArn: awsapi.Ptr(d.ConnectionArn), InvocationEndpoint: awsapi.Ptr(d.InvocationEndpoint), HttpMethod: &m,
		InvocationRateLimitPerSecond: awsapi.Ptr(d.RateLimit), CreationTime: awsapi.OptionalTimestamp(d.Created), LastModifiedTime: awsapi.OptionalTimestamp(d.Modified),
	}
}

func (a *API) describeAPIDestination(ctx context.Context, r *awsproto.Request, in *events.DescribeApiDestinationRequest) (any, error) {
	d, ok := a.cat.APIDestination(awsapi.ScopeOf(r), awsapi.Value(in.Name))
	if !ok {
		return nil, errAPIDestinationNotFound("describe", awsapi.Value(in.Name))
	}
	v := a.apiDestinationOut(d)
	return &events.DescribeApiDestinationResponse{
		ApiDestinationArn: v.ApiDestinationArn, Name: v.Name, Description: awsapi.Optional(d.Description),
		ApiDestinationState: v.ApiDestinationState, ConnectionArn: v.ConnectionArn,
		InvocationEndpoint: v.InvocationEndpoint, HttpMethod: v.HttpMethod,
		InvocationRateLimitPerSecond: v.InvocationRateLimitPerSecond,
		CreationTime:                 v.CreationTime, LastModifiedTime: v.LastModifiedTime,
	}, nil
}

func (a *API) updateAPIDestination(ctx context.Context, r *awsproto.Request, in *events.UpdateApiDestinationRequest) (any, error) {
	s, name := awsapi.ScopeOf(r), awsapi.Value(in.Name)
	if _, ok := a.cat.APIDestination(s, name); !ok {
		return nil, errAPIDestinationNotFound("update", name)
	}
	if in.InvocationEndpoint != nil && !validEndpoint(*in.InvocationEndpoint) {
		return nil, errAPIDestinationInvalid("update", "InvocationEndpoint", "Endpoint '"+*in.InvocationEndpoint+"' is invalid, please provide a valid HTTPS endpoint URL.")
	}
	if in.ConnectionArn != nil {
		if _, err := a.connectionFor(s, *in.ConnectionArn, "update"); err != nil {
			return nil, err
		}
	}
	d, err := a.cat.UpdateAPIDestination(ctx, s, name, func(d *APIDestination) error {
		if in.Description != nil {
			d.Description = *in.Description
		}
		if in.ConnectionArn != nil {
			d.ConnectionArn = *in.ConnectionArn
		}
		if in.InvocationEndpoint != nil {
			d.InvocationEndpoint = *in.InvocationEndpoint
		}
		if in.HttpMethod != nil {
			d.HTTPMethod = string(*in.HttpMethod)
		}
		if in.InvocationRateLimitPerSecond != nil {
			d.RateLimit = *in.InvocationRateLimitPerSecond
		}
		d.Modified = time.Now().UTC()
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil, errAPIDestinationNotFound("update", name)
	}
	if err != nil {
		return nil, err
	}
	st := events.ApiDestinationState(a.cat.APIDestinationState(d))
	return &events.UpdateApiDestinationResponse{
		ApiDestinationArn: awsapi.Ptr(d.Arn()), ApiDestinationState: &st,
		CreationTime: awsapi.OptionalTimestamp(d.Created), LastModifiedTime: awsapi.OptionalTimestamp(d.Modified),
	}, nil
}

func (a *API) deleteAPIDestination(ctx context.Context, r *awsproto.Request, in *events.DeleteApiDestinationRequest) (any, error) {
	name := awsapi.Value(in.Name)
	err := a.cat.DeleteAPIDestination(ctx, awsapi.ScopeOf(r), name)
	if errors.Is(err, ErrNotFound) {
		return nil, errAPIDestinationNotFound("delete", name)
	}
	if err != nil {
		return nil, err
	}
	return &events.DeleteApiDestinationResponse{}, nil
}

func (a *API) listAPIDestinations(ctx context.Context, r *awsproto.Request, in *events.ListApiDestinationsRequest) (any, error) {
	var ds []*APIDestination
	for _, d := range a.cat.APIDestinations(awsapi.ScopeOf(r)) {
		if !strings.HasPrefix(d.Name, awsapi.Value(in.NamePrefix)) {
			continue
		}
		if in.ConnectionArn != nil && *in.ConnectionArn != d.ConnectionArn {
			continue
		}
		ds = append(ds, d)
	}
	pg, next, err := awsapi.Page(ds, func(d *APIDestination) string { return d.Name }, in.NextToken, in.Limit, 100)
	if err != nil {
		return nil, err
	}
	out := &events.ListApiDestinationsResponse{ApiDestinations: []events.ApiDestination{}, NextToken: next}
	for _, d := range pg {
		out.ApiDestinations = append(out.ApiDestinations, a.apiDestinationOut(d))
	}
	return out, nil
}
