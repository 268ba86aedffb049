package yamlfile

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
)

// syntaxError locates a YAML syntax error. go.yaml.in/yaml/v3 names only a
// line, often the one before the mistake (the line of the construct it was
// in); goccy/go-yaml's parser names the line and column of the token where
// the document stopped making sense, so where it finds the error too, its
// position and words are used.
func syntaxError(file string, data []byte, err error) error {
	_, gerr := goccyparser.ParseBytes(data, 0)
	var se *goccy.SyntaxError
	if errors.As(gerr, &se) && se.Token != nil && se.Token.Position != nil {
		return &Error{File: file, Line: se.Token.Position.Line, Column: se.Token.Position.Column, Msg: se.Message}
	}
	msg := err.Error()
	if sub := syntaxLineRE.FindStringSubmatch(msg); sub != nil {
		line, _ := strconv.Atoi(sub[1])
		return &Error{File: file, Line: line, Msg: sub[2]}
	}
	return &Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

var syntaxLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// unmarshalRE reads the decoder's type errors: "cannot unmarshal !!str
// `ten` into int" (a collection has no value in backquotes).
var unmarshalRE = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")

// plainTypeError says a decoder type error in a person's words: what the
// field wants, as a user knows it, and what the file gave; tag and value
// are the YAML tag and scalar value the error names, to find its node.
func plainTypeError(msg string) (plain, tag, value string) {
	sub := unmarshalRE.FindStringSubmatch(msg)
	if sub == nil {
		return msg, "", ""
	}
	tag, value, goType := sub[1], sub[2], sub[3]
	return fmt.Sprintf("want %s, not %s", wantedOf(goType), givenOf(tag, value)), tag, value
}

// wantedOf names a Go type as the file's reader knows it.
func wantedOf(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping of names to values"
	case t == "time.Duration":
		return "a duration such as 250ms or 2s"
	case strings.HasPrefix(t, "uint"):
		return "a whole number, 0 or more"
	case strings.HasPrefix(t, "int"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a text"
	}
	return "a mapping (key: value)" // a struct of this project's
}

// givenOf names what the file gave, from its YAML tag.
func givenOf(tag, value string) string {
	switch tag {
	case "str":
		return strconv.Quote(value)
	case "int", "float", "bool":
		return "the " + map[string]string{"int": "number", "float": "number", "bool": "boolean"}[tag] + " " + value
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "nothing (null)"
	case "timestamp":
		return "the date " + value
	}
	return "!!" + tag + " " + value
}
