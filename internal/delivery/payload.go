package delivery

import (
	"errors"
	"sync"

	"github.com/switchyard/switchyard/internal/transform"
)

// transforms caches the input transformations of filed tasks, whose
// targets are read back from the stream without the rule's compiled copy
// (catalog.Target.Transformer): a small cache, emptied when full, so the
// transformations of deleted targets do not stay.
type transforms struct {
	mu sync.Mutex
	m  map[string]*transform.Transformer
}

const maxCachedTransforms = 256

func (c *transforms) get(t *Task) (*transform.Transformer, error) {
	key := string(t.Target.Raw)
	c.mu.Lock()
	tr := c.m[key]
	c.mu.Unlock()
	if tr != nil {
		return tr, nil
	}
	tr, err := t.Target.Transformer()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedTransforms {
		c.m = map[string]*transform.Transformer{}
	}
	c.m[key] = tr
	c.mu.Unlock()
	return tr, nil
}

// payload applies a target's input configuration (Input, InputPath,
// InputTransformer) to an event: what the target receives.
func (d *Deliverer) payload(t *Task, event []byte) ([]byte, error) {
	tr, err := t.transformer(&d.transforms)
	if err != nil {
		return nil, err
	}
	out, err := tr.Apply(event, transform.Context{RuleArn: t.RuleArn, RuleName: t.Rule, IngestionTime: t.Ingested})
	if errors.Is(err, transform.ErrNothingSelected) {
		return nil, ErrSkip
	}
	return out, err
}

// transformer is the task's compiled input transformation: the rule's
// own copy for a task routed from the catalog, else from the cache.
func (t *Task) transformer(c *transforms) (*transform.Transformer, error) {
	if t.filed {
		return c.get(t)
	}
	return t.Target.Transformer()
}
