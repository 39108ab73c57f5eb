// Package jsonscan reads JSON text where it lies: it finds where values
// end, checks them against RFC 8259, hands out the bytes of strings,
// numbers and member names, and decodes string escapes into a buffer the
// caller owns. It builds nothing and allocates nothing, so a caller that
// wants only a few values of a large document pays one pass over the bytes
// and no decoding for the rest.
//
// It is the one JSON tokeniser of Switchyard. The event matcher (package
// pattern) walks events with a Reader, reading the members its rules name
// and passing over the rest with SkipFast; the pattern parser builds the
// Jackson parser's error messages and positions, which EventBridge reports,
// on String, Number and Literal and their error Codes; input
// transformation (package transform) extracts paths with a Reader and
// validates whole events with Skip; and the built-in queue's request
// decoder reads its few shapes with a Reader, decoding strings with
// AppendUnescapedUTF8 to get exactly what encoding/json would.
//
// Levels of checking:
//
//   - String, Number, Literal, Skip and every Reader method except
//     SkipFast accept exactly what RFC 8259 (and encoding/json) accepts.
//     Bytes that are not valid UTF-8 are accepted inside strings, as
//     encoding/json accepts them; AppendUnescapedUTF8 replaces them with
//     U+FFFD as encoding/json does, AppendUnescaped keeps them.
//   - SkipFast passes over a value checking only what it must to find its
//     end: that strings are terminated and brackets balance. Skipping
//     parts of an event no rule reads is most of the matcher's work, and
//     SkipFast does it eight bytes at a time.
//
// Errors are reported as a Code and the byte offset it applies to, so the
// callers that must word errors as another parser does (Jackson, for
// EventBridge) can, and callers on a hot path pay nothing for them.
//
// The package lives under internal/pattern because pattern may depend on
// nothing else in Switchyard (it may become a public package, and would
// take this one with it); transform and queue import it from here. It
// imports only the standard library.
package jsonscan
