package main

import "fmt"

// overlayKeys are the keys an overlay file may have (besides comments,
// keys starting with "_").
var overlayKeys = map[string]bool{
	"toStringExtraMembers": true,
	"enumMessageOrder":     true,
	"errors":               true,
	"notRequired":          true,
}

// applyOverlay checks the overlay's errors and notRequired entries against
// the model and applies notRequired to it.
func (g *generator) applyOverlay() error {
	for _, name := range sortedKeys(g.overlay.Errors) {
		if _, ok := g.m.Shapes[name]; ok {
			return fmt.Errorf("overlay: error %s is a shape of the model already", name)
		}
		if e := g.overlay.Errors[name]; e.HTTPStatusCode == 0 || e.SenderFault == nil {
			return fmt.Errorf("overlay: error %s needs httpStatusCode and senderFault", name)
		}
	}
	for _, shape := range sortedKeys(g.overlay.NotRequired) {
		s := g.m.Shapes[shape]
		if s == nil || s.Type != "structure" {
			return fmt.Errorf("overlay: notRequired: %s is not a structure of the model", shape)
		}
		for _, member := range g.overlay.NotRequired[shape] {
			if !s.isRequired(member) {
				return fmt.Errorf("overlay: notRequired: %s.%s is not required in the model", shape, member)
			}
			kept := s.Required[:0:0]
			for _, r := range s.Required {
				if r != member {
					kept = append(kept, r)
				}
			}
			s.Required = kept
		}
	}
	return nil
}
