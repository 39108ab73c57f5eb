package main

import (
	"fmt"
	"regexp"
	"strings"
)

// The model patterns are Java regular expressions, matched against the
// whole value (Matcher.matches()). translateRegex rewrites one into an RE2
// expression for Go's regexp with the same meaning, or reports why it
// cannot.
//
// Handled differences:
//   - whole-value matching: the result is "^(?:<pattern>)$";
//   - Java's '.' does not match any line terminator (\n, \r, \u0085,
//     \u2028, \u2029), Go's only excludes \n;
//   - Java's \s includes \x0B (vertical tab), Go's does not;
//   - \uXXXX escapes and \0 octal escapes, which RE2 spells \x{XXXX}.
//
// Not translatable (the pattern is then not checked): lookahead and
// lookbehind, atomic groups, possessive quantifiers, backreferences,
// nested character classes and class intersections ([a-z&&[^b]]), \S
// inside a class, Java-only escapes (\h \H \v \V \R \X \G \Z \e \c \k) and
// any other construct RE2 rejects (\p{javaLowerCase}, (?x), ...).

const (
	javaDot       = `[^\n\r\x{85}\x{2028}\x{2029}]`
	javaSpace     = `\t\n\x0B\f\r `
	javaSpaceExpr = `[` + javaSpace + `]`
	javaNonSpace  = `[^` + javaSpace + `]`
)

// translateRegex returns the RE2 expression for the Java pattern src, or a
// non-empty reason why it cannot be translated.
func translateRegex(src string) (expr, reason string) {
	var b strings.Builder
	rs := []rune(src)
	inClass := false
	classStart := -1 // index just after '[' or '[^' of the current class
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\':
			if i+1 >= len(rs) {
				return "", "trailing backslash"
			}
			i++
			e := rs[i]
			switch e {
			case 'Q':
				j := i + 1
				for j+1 < len(rs) && (rs[j] != '\\' || rs[j+1] != 'E') {
					j++
				}
				var lit []rune
				if j+1 < len(rs) {
					lit, i = rs[i+1:j], j+1
				} else {
					lit, i = rs[i+1:], len(rs)
				}
				for _, r := range lit {
					fmt.Fprintf(&b, `\x{%x}`, r)
				}
			case 's':
				if inClass {
					b.WriteString(javaSpace)
				} else {
					b.WriteString(javaSpaceExpr)
				}
			case 'S':
				if inClass {
					return "", `\S inside a character class`
				}
				b.WriteString(javaNonSpace)
			case 'u':
				if i+4 >= len(rs) {
					return "", `truncated \u escape`
				}
				hex := string(rs[i+1 : i+5])
				if !isHex(hex) {
					return "", `invalid \u escape`
				}
				b.WriteString(`\x{` + hex + `}`)
				i += 4
			case '0':
				j := i + 1
				for j < len(rs) && j < i+4 && rs[j] >= '0' && rs[j] <= '7' {
					j++
				}
				if j == i+1 {
					return "", `invalid \0 octal escape`
				}
				var n int
				fmt.Sscanf(string(rs[i+1:j]), "%o", &n)
				if n > 0377 { // Java reads at most \0377
					j--
					fmt.Sscanf(string(rs[i+1:j]), "%o", &n)
				}
				fmt.Fprintf(&b, `\x{%x}`, n)
				i = j - 1
			case '1', '2', '3', '4', '5', '6', '7', '8', '9':
				return "", "backreference"
			case 'h', 'H', 'v', 'V', 'R', 'X', 'G', 'Z', 'e', 'c', 'k':
				return "", `Java-only escape \` + string(e)
			default:
				b.WriteRune('\\')
				b.WriteRune(e)
			}
		case inClass && c == '[':
			return "", "nested character class"
		case inClass && c == '&' && i+1 < len(rs) && rs[i+1] == '&':
			return "", "character class intersection"
		case inClass && c == ']' && i != classStart:
			inClass = false
			b.WriteRune(c)
		case inClass:
			b.WriteRune(c)
		case c == '[':
			inClass = true
			b.WriteRune(c)
			if i+1 < len(rs) && rs[i+1] == '^' {
				i++
				b.WriteRune('^')
			}
			classStart = i + 1
		case c == '.':
			b.WriteString(javaDot)
		case c == '(' && i+2 < len(rs) && rs[i+1] == '?':
			rest := string(rs[i+2:])
			switch {
			case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"):
				return "", "lookahead"
			case strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
				return "", "lookbehind"
			case strings.HasPrefix(rest, ">"):
				return "", "atomic group"
			}
			b.WriteRune(c)
		case c == '+' && i > 0 && strings.ContainsRune("*+?}", rs[i-1]) && !(i > 1 && rs[i-2] == '\\'):
			return "", "possessive quantifier"
		default:
			b.WriteRune(c)
		}
	}
	if inClass {
		return "", "unterminated character class"
	}
	expr = "^(?:" + b.String() + ")$"
	if _, err := regexp.Compile(expr); err != nil {
		return "", "not valid RE2: " + err.Error()
	}
	return expr, ""
}

func isHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return s != ""
}
