package target

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"github.com/switchyard/switchyard/internal/transform"
)

// Dynamic target parameters. The user guide ("Target parameters"): "Any
// HttpParameters field value (except HeaderParameters map keys) can
// contain JSON paths instead of static values (for example $.detail.state).
// Such paths are replaced dynamically at runtime with data from the event
// payload itself at the specified path. The supported syntax for dynamic
// parameter JSON paths is the same as for Target InputTransformers", and
// RedshiftDataParameters and SageMakerPipelineParameters take "optional
// dynamic JSON path syntax" too; the whole value must be the path
// ("RedshiftParameters.Sql can be $.detail.state but not SELECT * FROM
// $.detail.state"), and it reads the original event, not the transformed
// input. KinesisParameters.PartitionKeyPath is such a path, always.
//
// Paths are compiled with package transform (the InputPath syntax) and
// kept, so each is parsed once.

// jsonPaths caches compiled paths. The zero value is ready to use.
type jsonPaths struct {
	mu sync.RWMutex
	m  map[string]*transform.Transformer // nil: not a valid path
}

const maxCachedPaths = 4096

// compile returns the compiled path, or nil when p is not a path.
func (c *jsonPaths) compile(p string) *transform.Transformer {
	if !strings.HasPrefix(p, "$") {
		return nil
	}
	c.mu.RLock()
	t, ok := c.m[p]
	c.mu.RUnlock()
	if ok {
		return t
	}
	t, err := transform.Compile("dynamic", transform.Config{InputPath: &p})
	if err != nil {
		t = nil
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedPaths {
		c.m = map[string]*transform.Transformer{}
	}
	c.m[p] = t
	c.mu.Unlock()
	return t
}

// errNotAPath reports a value that is not a JSONPath of the supported
// syntax.
var errNotAPath = errors.New("not a JSON path of the supported syntax ($, dot notation, array indexes, wildcards)")

// lookup returns the value at path p in event as text: a string's
// characters, or the compact JSON of any other value. found is false when
// the path selects nothing (or selects null).
func (c *jsonPaths) lookup(event []byte, p string) (value string, found bool, err error) {
	t := c.compile(p)
	if t == nil {
		return "", false, errNotAPath
	}
	out, err := t.Apply(event, transform.Context{})
	if errors.Is(err, transform.ErrNothingSelected) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return paramText(out)
}

// paramText turns one compact JSON value into parameter text.
func paramText(v []byte) (string, bool, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || bytes.Equal(v, []byte("null")):
		return "", false, nil
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	}
	return string(v), true, nil
}

// dynamic resolves a target parameter value: a value that is a JSONPath is
// replaced by what it selects in the event (nothing selected gives ""),
// any other value is used as it is.
func (c *jsonPaths) dynamic(event []byte, value string) string {
	if c.compile(value) == nil {
		return value
	}
	v, _, err := c.lookup(event, value)
	if err != nil {
		return ""
	}
	return v
}

// dynamicPtr is dynamic for optional parameters.
func (c *jsonPaths) dynamicPtr(event []byte, value *string) *string {
	if value == nil {
		return nil
	}
	v := c.dynamic(event, *value)
	return &v
}
