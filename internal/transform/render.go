package transform

// render fills the template with the values found in event.
func (t *Transformer) render(event []byte, f *found, ctx Context) []byte {
	tpl := t.tpl
	size := len(tpl.tail)
	for _, s := range tpl.segs {
		size += len(s.lit) + 16
		if s.kind == kindPath && !t.paths.many[s.slot] {
			if sp := f.one[s.slot]; sp.start >= 0 {
				size += sp.end - sp.start
			}
		} else if s.kind == kindEventJSON {
			size += len(event)
		} else if s.kind == kindEvent {
			size += 128
			for _, slot := range t.eventSlots {
				if sp := f.one[slot]; sp.start >= 0 {
					size += sp.end - sp.start
				}
			}
		}
	}
	out := make([]byte, 0, size)
	var ingestion []byte
	known := false
	if t.timeSlot >= 0 {
		ingestion, known = t.ingestionTime(event, f, ctx)
	}
	for _, s := range tpl.segs {
		out = append(out, s.lit...)
		switch s.kind {
		case kindPath:
			if t.paths.many[s.slot] {
				out = appendList(out, event, f.list[s.slot], s.ctx)
			} else if sp := f.one[s.slot]; sp.start >= 0 {
				out = appendValue(out, event[sp.start:sp.end], s.ctx)
			} else if s.ctx == ctxValue {
				// A path that selects nothing gives an empty string: recorded
				// against AWS as "command": "" for the template
				// {"command": <command>} (LocalStack snapshot
				// test_put_events_with_input_transformer_input_template_json).
				out = append(out, `""`...)
			}
		case kindRuleArn:
			out = appendString(out, ctx.RuleArn, s.ctx)
		case kindRuleName:
			out = appendString(out, ctx.RuleName, s.ctx)
		case kindIngestion:
			out = appendString(out, ingestion, s.ctx)
		case kindEvent:
			// Not escaped, wherever it is used ("can only be used as a value
			// for a JSON field, as its contents are not escaped").
			out = t.appendEventObject(out, event, f, ingestion, known)
		case kindEventJSON:
			sp := f.one[t.rootSlot]
			out = appendCompact(out, event[sp.start:sp.end])
		}
	}
	return append(out, tpl.tail...)
}

// appendValue inserts the JSON value raw in context c.
func appendValue(dst, raw []byte, c insertCtx) []byte {
	switch {
	case c == ctxValue:
		return appendCompact(dst, raw)
	case raw[0] == '"':
		if c == ctxString {
			return append(dst, raw[1:len(raw)-1]...) // already escaped as the event has it
		}
		return appendUnquoted(dst, raw)
	case raw[0] == '{' || raw[0] == '[':
		return appendUnquotedJSON(dst, raw)
	}
	return append(dst, raw...) // number, true, false, null
}

// appendList inserts the values a wildcard path selected, as a JSON array.
func appendList(dst, event []byte, list []span, c insertCtx) []byte {
	dst = append(dst, '[')
	for i, sp := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		if c == ctxValue {
			dst = appendCompact(dst, event[sp.start:sp.end])
		} else {
			dst = appendUnquotedJSON(dst, event[sp.start:sp.end])
		}
	}
	return append(dst, ']')
}

// appendString inserts a reserved variable's string value in context c.
func appendString[S string | []byte](dst []byte, s S, c insertCtx) []byte {
	switch c {
	case ctxValue:
		return appendJSONString(dst, s)
	case ctxString:
		return appendEscaped(dst, s)
	}
	return append(dst, s...)
}

// ingestionTime is the value of <aws.events.event.ingestion-time>: the
// context's time in ISO 8601, else the event's own time.
func (t *Transformer) ingestionTime(event []byte, f *found, ctx Context) ([]byte, bool) {
	if !ctx.IngestionTime.IsZero() {
		f.scratch = ctx.IngestionTime.UTC().AppendFormat(f.scratch[:0], ingestLayout)
		return f.scratch, true
	}
	if sp := f.one[t.timeSlot]; sp.start >= 0 && event[sp.start] == '"' {
		f.scratch = appendUnquoted(f.scratch[:0], event[sp.start:sp.end])
		return f.scratch, true
	}
	return nil, false
}

// appendEventObject builds <aws.events.event>: the event's envelope
// without detail, with detail-type renamed detailType and time the
// ingestion time.
func (t *Transformer) appendEventObject(dst, event []byte, f *found, ingestion []byte, known bool) []byte {
	dst = append(dst, '{')
	n := 0
	for i, field := range eventFields {
		sp := f.one[t.eventSlots[i]]
		if sp.start < 0 && !(field.name == "time" && known) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, '"')
		dst = append(dst, field.name...)
		dst = append(dst, '"', ':')
		if field.name == "time" && known {
			dst = appendJSONString(dst, ingestion)
		} else {
			dst = appendCompact(dst, event[sp.start:sp.end])
		}
	}
	return append(dst, '}')
}
