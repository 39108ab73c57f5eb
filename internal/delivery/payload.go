package delivery

import (
	"encoding/json"
	"errors"
	"sync"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/transform"
)

// transforms caches compiled input transformations by the target's stored
// configuration (which changes whenever the target does).
type transforms struct {
	mu sync.RWMutex
	m  map[string]*transform.Transformer
}

const maxCachedTransforms = 10000

func (c *transforms) get(t *Task) (*transform.Transformer, error) {
	key := string(t.Target.Raw)
	c.mu.RLock()
	tr := c.m[key]
	c.mu.RUnlock()
	if tr != nil {
		return tr, nil
	}
	var et events.Target
	if err := json.Unmarshal(t.Target.Raw, &et); err != nil {
		return nil, err
	}
	tr, err := transform.Compile(t.Target.ID, transform.ConfigOf(&et))
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
	tr, err := d.transforms.get(t)
	if err != nil {
		return nil, err
	}
	out, err := tr.Apply(event, transform.Context{RuleArn: t.RuleArn, RuleName: t.Rule, IngestionTime: t.Ingested})
	if errors.Is(err, transform.ErrNothingSelected) {
		return nil, ErrSkip
	}
	return out, err
}
