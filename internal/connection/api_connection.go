package connection

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/awsapi/handler"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/uuid"
)

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
	s := handler.ScopeOf(r)
	box, err := a.conns.SecretBox()
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
	if err := a.conns.CreateConnection(ctx, conn); err != nil {
		if errors.Is(err, ErrExists) {
			return nil, events.ErrResourceAlreadyExistsException("Failed to create the connection(s). Connection '%s' already exists.", name)
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
	conn, ok := a.conns.Connection(handler.ScopeOf(r), awsapi.Value(in.Name))
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
	s, name := handler.ScopeOf(r), awsapi.Value(in.Name)
	if _, ok := a.conns.Connection(s, name); !ok {
		return nil, errConnectionNotFound("update", name)
	}
	box, err := a.conns.SecretBox()
	if err != nil {
		return nil, err
	}
	conn, err := a.conns.UpdateConnection(ctx, s, name, func(c *Connection) error {
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
	conn, err := a.conns.DeleteConnection(ctx, handler.ScopeOf(r), name)
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
	conn, err := a.conns.UpdateConnection(ctx, handler.ScopeOf(r), name, func(c *Connection) error {
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
	for _, c := range a.conns.Connections(handler.ScopeOf(r)) {
		if !strings.HasPrefix(c.Name, awsapi.Value(in.NamePrefix)) {
			continue
		}
		if in.ConnectionState != nil && string(*in.ConnectionState) != c.State {
			continue
		}
		conns = append(conns, c)
	}
	pg, next, err := handler.Page(conns, func(c *Connection) string { return c.Name }, in.NextToken, in.Limit, 100)
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
