package connection

import (
	"encoding/json"
	"strings"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsapi/events"
)

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
		out.Headers = append(out.Headers, seal(awsapi.Value(p.Key), awsapi.Value(p.Value), awsapi.Value(p.IsValueSecret)))
	}
	for _, p := range in.QueryStringParameters {
		out.Query = append(out.Query, seal(awsapi.Value(p.Key), awsapi.Value(p.Value), awsapi.Value(p.IsValueSecret)))
	}
	for _, p := range in.BodyParameters {
		out.Body = append(out.Body, seal(awsapi.Value(p.Key), awsapi.Value(p.Value), awsapi.Value(p.IsValueSecret)))
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
