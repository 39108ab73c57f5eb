// Package storetest opens stores for tests: an embedded server in the
// test's temporary directory, closed when the test ends.
package storetest

import (
	"context"
	"testing"

	"github.com/switchyard/switchyard/internal/store"
)

// Open starts an embedded store for t (and fails t if it cannot). Each
// setup function (such as ingest.Setup) is run on it.
func Open(t testing.TB, setup ...func(context.Context, *store.Store) error) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for _, f := range setup {
		if err := f(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	return st
}
