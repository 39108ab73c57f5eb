package server

import (
	"encoding/json"
	"errors"
	"sync"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/delivery"
	"github.com/switchyard/switchyard/internal/transform"
)

// transforms caches compiled input transformations by the target's stored
// configuration (which changes whenever the target does).
type transforms struct {
	mu sync.RWMutex
	m  map[string]*transform.Transformer
}

const maxCachedTransforms = 10000

func (c *transforms) get(t *delivery.Task) (*transform.Transformer, error) {
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
	tr, err := transform.Compile(t.Target.ID, configOf(&et))
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

func configOf(t *events.Target) transform.Config {
	c := transform.Config{Input: t.Input, InputPath: t.InputPath}
	if it := t.InputTransformer; it != nil {
		c.PathsMap = it.InputPathsMap
		c.Template = it.InputTemplate
	}
	return c
}

// payload applies a target's input configuration to an event.
func (s *Server) payload(t *delivery.Task, event []byte) ([]byte, error) {
	tr, err := s.transforms.get(t)
	if err != nil {
		return nil, err
	}
	out, err := tr.Apply(event, transform.Context{RuleArn: t.RuleArn, RuleName: t.Rule, IngestionTime: t.Ingested})
	if errors.Is(err, transform.ErrNothingSelected) {
		return nil, delivery.ErrSkip
	}
	return out, err
}

// validateTarget checks a target's input configuration at PutTargets time,
// with EventBridge's messages.
func validateTarget(t *events.Target) error {
	id := ""
	if t.Id != nil {
		id = *t.Id
	}
	_, err := transform.Compile(id, configOf(t))
	return err
}
