// Package arn parses and formats Amazon Resource Names, so no other
// package splits them by hand:
//
//	arn:partition:service:region:account-id:resource
//
// The resource part may itself hold ':' or '/' (a rule's
// "rule/<bus>/<name>", a function's "function:<name>:<qualifier>").
package arn

import (
	"errors"
	"fmt"
	"strings"
)

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// ErrInvalid is returned by Parse for text that is not an ARN.
var ErrInvalid = errors.New("not an ARN")

// Parse splits an ARN into its parts. It requires the "arn" prefix, a
// partition, a service and a resource; region and account may be empty
// (as in S3 and IAM ARNs).
func Parse(s string) (ARN, error) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return ARN{}, invalid(s)
	}
	var p [4]string
	for i := range p {
		var found bool
		p[i], rest, found = strings.Cut(rest, ":")
		if !found {
			return ARN{}, invalid(s)
		}
	}
	a := ARN{Partition: p[0], Service: p[1], Region: p[2], Account: p[3], Resource: rest}
	if a.Partition == "" || a.Service == "" || a.Resource == "" {
		return ARN{}, invalid(s)
	}
	return a, nil
}

func invalid(s string) error { return fmt.Errorf("%w: %q", ErrInvalid, s) }

// New returns an ARN in the "aws" partition.
func New(service, region, account, resource string) ARN {
	return ARN{Partition: "aws", Service: service, Region: region, Account: account, Resource: resource}
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// ResourceOf returns the resource's name after its type prefix
// ("event-bus/orders" with typ "event-bus" is "orders"), or false when
// the resource is of another type. Both '/' and ':' separate a type from
// its name.
func (a ARN) ResourceOf(typ string) (string, bool) {
	rest, ok := strings.CutPrefix(a.Resource, typ)
	if !ok || rest == "" || (rest[0] != '/' && rest[0] != ':') {
		return "", false
	}
	return rest[1:], true
}

// Scope is where a resource lives: an account in a region. Every resource
// Switchyard keeps (buses, rules, queues, topics, ...) belongs to one.
type Scope struct {
	Account string `json:"account"`
	Region  string `json:"region"`
}

// Scope returns the ARN's account and region.
func (a ARN) Scope() Scope { return Scope{Account: a.Account, Region: a.Region} }

// In returns an ARN in the "aws" partition for a resource of scope s.
func (s Scope) In(service, resource string) ARN { return New(service, s.Region, s.Account, resource) }
