package policies

import (
	"context"
	"runtime"
	"sort"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
)

func TestScratchMicroCPU(t *testing.T) {
	ctx := context.Background()
	cases := map[string]string{
		"a-base":         "default allow := false\nallow if input.scope == \"view\"\n",
		"b-in-set":       "default allow := false\nallow if { input.scope == \"view\"; input.auth.user.privilege in {\"user\", \"admin\"} }\n",
		"c-eq":           "default allow := false\nallow if { input.scope == \"view\"; input.auth.user.privilege == \"user\" }\n",
		"d-obj-lookup":   "default allow := false\nallow if { input.scope == \"view\"; {\"user\": true, \"admin\": true}[input.auth.user.privilege] }\n",
		"e-set-lookup":   "default allow := false\nallow if { input.scope == \"view\"; {\"user\", \"admin\"}[input.auth.user.privilege] }\n",
		"f-rule-set":     "default allow := false\nusers := {\"user\", \"admin\"}\nallow if { input.scope == \"view\"; users[input.auth.user.privilege] }\n",
		"g-not":          "default allow := false\nself if input.resource.id == input.auth.user.id\nallow if { input.scope == \"view\"; not self }\n",
		"h-neq":          "default allow := false\nallow if { input.scope == \"view\"; input.resource.id != input.auth.user.id }\n",
		"i-helper-rule":  "default allow := false\nself if input.resource.id == input.auth.user.id\nallow if { input.scope == \"view\"; self }\n",
		"j-2-helper-rule": "default allow := false\nself if input.resource.id == input.auth.user.id\nother if input.resource.id == 9\nallow if { input.scope == \"view\"; self }\nallow if { input.scope == \"view\"; other }\n",
		"k-rule-or-2":    "default allow := false\nallow if { input.scope == \"view\"; input.auth.user.privilege == \"user\" }\nallow if { input.scope == \"view\"; input.auth.user.privilege == \"admin\" }\n",
	}
	in := Input{Scope: "view", Auth: Auth{User: AuthUser{ID: 7, Privilege: "user"}}, Resource: map[string]any{"id": uint64(9)}}
	v, _ := in.value()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var names []string
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		pq, err := rego.New(rego.Query("data.t.allow"), rego.Module("t.rego", "package t\n"+cases[name])).PrepareForEval(ctx)
		if err != nil {
			t.Fatal(name, err)
		}
		for range 2000 {
			_, _ = pq.Eval(ctx, rego.EvalParsedInput(v))
		}
		n := 30000
		start := threadCPU()
		var rs rego.ResultSet
		for range n {
			rs, _ = pq.Eval(ctx, rego.EvalParsedInput(v))
		}
		allocs := testing.AllocsPerRun(200, func() { _, _ = pq.Eval(ctx, rego.EvalParsedInput(v)) })
		t.Logf("%-16s cpu %5.1fµs allocs %4.0f result %v", name, float64((threadCPU()-start).Nanoseconds())/float64(n)/1e3, allocs, rs[0].Expressions[0].Value)
	}
}
