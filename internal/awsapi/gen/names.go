package main

import (
	"html"
	"regexp"
	"strings"
	"unicode"
)

// exportedName turns a model name into an exported Go identifier: the first
// letter is upper-cased and characters that cannot appear in an identifier
// are dropped (a word boundary after them is upper-cased). Model names are
// kept otherwise (no initialism rewriting), as the AWS SDK for Go does, so
// that "QueueUrl" stays QueueUrl and "SSEKmsKeyId" stays SSEKmsKeyId.
func exportedName(name string) string {
	var b strings.Builder
	upper := true
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if s == "" || unicode.IsDigit([]rune(s)[0]) {
		s = "X" + s
	}
	return s
}

// lowerFirst lower-cases the first letter of a member name, as AWS does in
// validation paths and toString renderings ("AuthorizationType" ->
// "authorizationType", "SSEKmsKeyId" -> "sSEKmsKeyId").
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// enumValueName turns an enum value into the suffix of its Go constant:
// "OAUTH_CLIENT_CREDENTIALS" -> "OauthClientCredentials", "API_KEY" ->
// "ApiKey", "AWSTraceHeader" -> "AWSTraceHeader", "us-east-1" -> "UsEast1".
func enumValueName(v string) string {
	words := strings.FieldsFunc(v, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var b strings.Builder
	for _, w := range words {
		rs := []rune(w)
		allUpper := true
		for _, r := range rs {
			if unicode.IsLower(r) {
				allUpper = false
			}
		}
		if allUpper {
			rs = []rune(strings.ToLower(w))
		}
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}

var (
	blockTagRE = regexp.MustCompile(`(?i)</?(p|br|li|ul|ol|note|important|dl|dt|dd|h\d)\b[^>]*>`)
	tagRE      = regexp.MustCompile(`<[^>]*>`)
	spaceRE    = regexp.MustCompile(`\s+`)
)

// firstSentence returns the first sentence of a model documentation string,
// with HTML tags stripped and entities decoded.
func firstSentence(doc string) string {
	s := blockTagRE.ReplaceAllString(doc, " ")
	s = tagRE.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' && !abbreviationBefore(s[:i]) {
			return s[:i+1]
		}
	}
	return s
}

func abbreviationBefore(s string) bool {
	for _, a := range []string{"e.g", "i.e", "etc", "vs", "approx"} {
		if strings.HasSuffix(strings.ToLower(s), a) {
			return true
		}
	}
	return false
}

// comment formats text as a Go comment wrapped at about 80 columns, with
// the given indentation.
func comment(text, indent string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return ""
	}
	var b strings.Builder
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 76 {
			b.WriteString(indent + "// " + line + "\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		b.WriteString(indent + "// " + line + "\n")
	}
	return b.String()
}
