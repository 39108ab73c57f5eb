package target

import (
	"context"
	"strings"

	"github.com/switchyard/switchyard/internal/catalog"
	"github.com/switchyard/switchyard/internal/event"
	"github.com/switchyard/switchyard/internal/store"
)

// BusKind delivers events to another event bus. The event keeps its id and
// content, as in EventBridge.
func BusKind(st *store.Store, cat *catalog.Catalog) Kind {
	return func(a ARN) Target {
		name, ok := strings.CutPrefix(a.Resource, "event-bus/")
		if !ok {
			return nil
		}
		return &busTarget{st: st, cat: cat, scope: catalog.Scope{Account: a.Account, Region: a.Region}, name: name}
	}
}

type busTarget struct {
	st    *store.Store
	cat   *catalog.Catalog
	scope catalog.Scope
	name  string
}

func (b *busTarget) Invoke(ctx context.Context, inv *Invocation) error {
	if b.name != catalog.DefaultBus {
		if _, ok := b.cat.Bus(b.scope, b.name); !ok {
			return &Error{Code: CodeNotFound, Message: "Event bus " + b.name + " does not exist."}
		}
	} else if _, err := b.cat.EnsureDefaultBus(ctx, b.scope); err != nil {
		return &Error{Code: CodeInternal, Message: err.Error(), Retryable: true}
	}
	if inv.Hops+1 > event.MaxHops {
		return &Error{Code: CodeLoop, Message: "The event crossed too many event buses; a rule loop is likely."}
	}
	// The event keeps its id; the write is de-duplicated per receiving bus.
	meta := event.Meta{Account: b.scope.Account, Region: b.scope.Region, Bus: b.name, Hops: inv.Hops + 1}
	err := b.st.Publish(ctx, meta.Msg(inv.EventID+"@"+b.scope.Account+"/"+b.scope.Region+"/"+b.name, inv.Event))
	if err != nil {
		return &Error{Code: CodeInternal, Message: err.Error(), Retryable: true}
	}
	return nil
}

// ElasticConcurrency: a put to a built-in bus is a local store write (see
// sqsTarget.ElasticConcurrency).
func (b *busTarget) ElasticConcurrency() bool { return true }
