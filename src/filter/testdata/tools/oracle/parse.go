package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	bexpr "github.com/hashicorp/go-bexpr"
)

var identRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func dump(e bexpr.Expression) string {
	switch n := e.(type) {
	case *bexpr.UnaryExpression:
		return "(not " + dump(n.Operand) + ")"
	case *bexpr.BinaryExpression:
		op := "and"
		if n.Operator == bexpr.BinaryOpOr {
			op = "or"
		}
		return "(" + op + " " + dump(n.Left) + " " + dump(n.Right) + ")"
	case *bexpr.MatchExpression:
		parts := []string{}
		for _, s := range n.Selector {
			if identRe.MatchString(s) {
				parts = append(parts, s)
			} else {
				parts = append(parts, jsonStr(s))
			}
		}
		sel := strings.Join(parts, ".")
		if n.Value == nil {
			return fmt.Sprintf("(%s %s)", n.Operator.String(), sel)
		}
		return fmt.Sprintf("(%s %s %s)", n.Operator.String(), sel, jsonStr(n.Value.Raw))
	}
	return "?"
}

type parseOut struct {
	Expr string `json:"expr"`
	Ast  string `json:"ast,omitempty"`
	Err  string `json:"err,omitempty"`
}

func parseOne(expr string) parseOut {
	v, err := bexpr.Parse("", []byte(expr))
	if err != nil {
		return parseOut{Expr: expr, Err: err.Error()}
	}
	return parseOut{Expr: expr, Ast: dump(v.(bexpr.Expression))}
}
