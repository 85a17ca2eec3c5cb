package policies

import (
	"context"
	"os"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// GH_VARIANT_DIR: a dir of .rego files laid over the embedded set.
func BenchmarkVariant(b *testing.B) {
	ctx := context.Background()
	files, _ := embeddedFiles()
	over := map[string]string{}
	if d := os.Getenv("GH_VARIANT_DIR"); d != "" {
		over, _ = readDir(d)
	}
	policies, _, probs := parseAll(merge(files, over))
	if len(probs) > 0 {
		b.Fatal(probs)
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(policies); c.Failed() {
		b.Fatal(c.Errors)
	}
	for _, tc := range benchInputs() {
		v, _ := tc.in.value()
		for _, variant := range []struct {
			name, q string
			pe      bool
		}{
			{"allow", "data." + tc.resource + ".allow", false},
			{"allow-pe", "data." + tc.resource + ".allow", true},
			{"reasons", "data." + tc.resource + ".reasons", false},
			{"both", "a := data." + tc.resource + ".allow; r := data." + tc.resource + ".reasons", false},
		} {
			var opts []rego.PrepareOption
			if variant.pe {
				opts = append(opts, rego.WithPartialEval())
			}
			pq, err := rego.New(rego.Query(variant.q), rego.Compiler(c), rego.PartialNamespace("v_"+tc.resource+"_"+variant.name[:3])).PrepareForEval(ctx, opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(tc.resource+"/"+variant.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := pq.Eval(ctx, rego.EvalParsedInput(v)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
