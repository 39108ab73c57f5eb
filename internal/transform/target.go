package transform

import "github.com/switchyard/switchyard/internal/awsapi/events"

// ConfigOf is the input configuration of an EventBridge target: Input,
// InputPath, or InputTransformer.
func ConfigOf(t *events.Target) Config {
	c := Config{Input: t.Input, InputPath: t.InputPath}
	if it := t.InputTransformer; it != nil {
		c.PathsMap = it.InputPathsMap
		c.Template = it.InputTemplate
	}
	return c
}
