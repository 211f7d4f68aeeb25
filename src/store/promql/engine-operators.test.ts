/**
 * Binary operators through the engine: precedence and unary signs, Go float semantics (division by zero, %, ^), vector/scalar and vector/vector arithmetic and comparisons with and without bool, on/ignoring, group_left/group_right with included labels, and/or/unless, atan2, and the matching errors.
 *
 * The expectations are Prometheus 2.42's: each eval was run by promtool 2.42 (as a promql_expr_test,
 * three times, samples compared exactly; errors by message) and agreed, but for those whose value is
 * NaN, which promtool cannot compare. The runner also evaluates each at other times with @ added
 * and in range mode, as promql/test.go does.
 */
import { expect, it } from 'vitest';
import { parseExpr } from './parse.js';
import { runPromqlScript } from './testing-script.js';

const SCRIPT = `
load 1m
	calls{tool="search", server="a", status="ok"} 0+6x30
	calls{tool="search", server="a", status="error"} 0+1x30
	calls{tool="fetch", server="a", status="ok"} 0+12x30
	calls{tool="fetch", server="b", status="ok"} 0+3x30
	calls{tool="fetch", server="b", status="error"} 0+2x30
	quota{server="a", plan="pro"} 500x30
	quota{server="b", plan="free"} 40x30
	weight{tool="search"} 0.5x30
	weight{tool="fetch"} 2x30
	zero{server="a"} 0x30
	neg{server="a"} -3x30

eval instant at 10m sum by (server) (calls) - count by (server) (calls)
	{server="a"} 187
	{server="b"} 48

eval instant at 10m 100 - sum by (tool) (calls)
	{tool="search"} 30
	{tool="fetch"} -70

eval instant at 10m -calls{tool="search", status="ok"}
	{server="a", status="ok", tool="search"} -60

eval instant at 10m +calls{tool="search", status="ok"}
	{__name__="calls", server="a", status="ok", tool="search"} 60

eval instant at 10m - - -sum by (server) (calls)
	{server="a"} -190
	{server="b"} -50

eval instant at 10m -2 ^ 2
	-4

eval instant at 10m 2 ^ 3 ^ 2
	512

eval instant at 10m -(2 ^ -1) * 3 + 1
	-0.5

eval instant at 10m 10 % 3 * 2 ^ 2
	4

eval instant at 10m sum by (tool) (calls) % 7
	{tool="search"} 0
	{tool="fetch"} 2

eval instant at 10m sum by (tool) (calls) % -7
	{tool="search"} 0
	{tool="fetch"} 2

eval instant at 10m -sum by (tool) (calls) % 7
	{tool="search"} 0
	{tool="fetch"} -2

eval instant at 10m sum by (tool) (calls) % 0.25
	{tool="search"} 0
	{tool="fetch"} 0

eval instant at 10m sum by (tool) (calls) ^ 2
	{tool="search"} 4900
	{tool="fetch"} 28900

eval instant at 10m sum by (tool) (calls) ^ 0.5
	{tool="search"} 8.366600265340756
	{tool="fetch"} 13.038404810405298

eval instant at 10m 2 ^ count by (server) (calls)
	{server="a"} 8
	{server="b"} 4

eval instant at 10m sum by (server) (calls) / 0
	{server="a"} +Inf
	{server="b"} +Inf

eval instant at 10m -1 * sum by (server) (calls) / 0
	{server="a"} -Inf
	{server="b"} -Inf

eval instant at 10m zero / zero
	{server="a"} NaN

eval instant at 10m neg ^ 0.5
	{server="a"} NaN

eval instant at 10m neg ^ 3
	{server="a"} -27

eval instant at 10m 1 / neg
	{server="a"} -0.3333333333333333

eval instant at 10m calls{status="ok"} / on (server) group_left (plan) quota
	{plan="pro", server="a", status="ok", tool="search"} 0.12
	{plan="pro", server="a", status="ok", tool="fetch"} 0.24
	{plan="free", server="b", status="ok", tool="fetch"} 0.75

eval instant at 10m quota / on (server) group_right (plan) calls{status="ok"}
	{plan="pro", server="a", status="ok", tool="search"} 8.333333333333334
	{plan="pro", server="a", status="ok", tool="fetch"} 4.166666666666667
	{plan="free", server="b", status="ok", tool="fetch"} 1.3333333333333333

eval instant at 10m calls / ignoring (status, tool) group_left quota

eval instant at 10m sum by (server) (calls) / on (server) quota
	{server="a"} 0.38
	{server="b"} 1.25

eval instant at 10m sum by (server) (calls) / ignoring (plan) quota
	{server="a"} 0.38
	{server="b"} 1.25

eval instant at 10m calls{status="ok"} * on (tool) group_left weight
	{server="a", status="ok", tool="search"} 30
	{server="a", status="ok", tool="fetch"} 240
	{server="b", status="ok", tool="fetch"} 60

eval instant at 10m calls * ignoring (server, status) group_left weight
	{server="a", status="ok", tool="search"} 30
	{server="a", status="error", tool="search"} 5
	{server="a", status="ok", tool="fetch"} 240
	{server="b", status="ok", tool="fetch"} 60
	{server="b", status="error", tool="fetch"} 40

eval instant at 10m calls > 50
	{__name__="calls", server="a", status="ok", tool="search"} 60
	{__name__="calls", server="a", status="ok", tool="fetch"} 120

eval instant at 10m calls > bool 50
	{server="a", status="ok", tool="search"} 1
	{server="a", status="error", tool="search"} 0
	{server="a", status="ok", tool="fetch"} 1
	{server="b", status="ok", tool="fetch"} 0
	{server="b", status="error", tool="fetch"} 0

eval instant at 10m 50 < calls
	{__name__="calls", server="a", status="ok", tool="search"} 60
	{__name__="calls", server="a", status="ok", tool="fetch"} 120

eval instant at 10m 50 < bool calls
	{server="a", status="ok", tool="search"} 1
	{server="a", status="error", tool="search"} 0
	{server="a", status="ok", tool="fetch"} 1
	{server="b", status="ok", tool="fetch"} 0
	{server="b", status="error", tool="fetch"} 0

eval instant at 10m calls == 20
	{__name__="calls", server="b", status="error", tool="fetch"} 20

eval instant at 10m calls != 20
	{__name__="calls", server="a", status="ok", tool="search"} 60
	{__name__="calls", server="a", status="error", tool="search"} 10
	{__name__="calls", server="a", status="ok", tool="fetch"} 120
	{__name__="calls", server="b", status="ok", tool="fetch"} 30

eval instant at 10m calls >= on (server) group_left quota / 10
	{__name__="calls", server="a", status="ok", tool="search"} 60
	{__name__="calls", server="a", status="ok", tool="fetch"} 120
	{__name__="calls", server="b", status="ok", tool="fetch"} 30
	{__name__="calls", server="b", status="error", tool="fetch"} 20

eval instant at 10m calls > bool on (server) group_left quota / 10
	{server="a", status="ok", tool="search"} 1
	{server="a", status="error", tool="search"} 0
	{server="a", status="ok", tool="fetch"} 1
	{server="b", status="ok", tool="fetch"} 1
	{server="b", status="error", tool="fetch"} 1

eval instant at 10m calls{status="ok"} == calls{status="ok"}
	{__name__="calls", server="a", status="ok", tool="search"} 60
	{__name__="calls", server="a", status="ok", tool="fetch"} 120
	{__name__="calls", server="b", status="ok", tool="fetch"} 30

eval instant at 10m calls{status="ok"} > bool ignoring (status) calls{status="error"}
	{server="a", tool="search"} 1
	{server="b", tool="fetch"} 1

eval instant at 10m 1 == bool 1
	1

eval instant at 10m 1 < bool 0.5
	0

eval instant at 10m calls{status="error"} and calls{tool="fetch"}
	{__name__="calls", server="b", status="error", tool="fetch"} 20

eval instant at 10m calls{status="error"} and on (server) quota{plan="free"}
	{__name__="calls", server="b", status="error", tool="fetch"} 20

eval instant at 10m calls{status="error"} or calls{tool="fetch"}
	{__name__="calls", server="a", status="error", tool="search"} 10
	{__name__="calls", server="b", status="error", tool="fetch"} 20
	{__name__="calls", server="a", status="ok", tool="fetch"} 120
	{__name__="calls", server="b", status="ok", tool="fetch"} 30

eval instant at 10m quota or on (server) calls
	{__name__="quota", plan="pro", server="a"} 500
	{__name__="quota", plan="free", server="b"} 40

eval instant at 10m calls{status="error"} or on (tool) weight
	{__name__="calls", server="a", status="error", tool="search"} 10
	{__name__="calls", server="b", status="error", tool="fetch"} 20

eval instant at 10m calls unless calls{status="error"}
	{__name__="calls", server="a", status="ok", tool="search"} 60
	{__name__="calls", server="a", status="ok", tool="fetch"} 120
	{__name__="calls", server="b", status="ok", tool="fetch"} 30

eval instant at 10m calls unless on (server) quota{plan="pro"}
	{__name__="calls", server="b", status="ok", tool="fetch"} 30
	{__name__="calls", server="b", status="error", tool="fetch"} 20

eval instant at 10m calls unless ignoring (status) calls{status="error"}
	{__name__="calls", server="a", status="ok", tool="fetch"} 120

eval instant at 10m (calls and calls{server="b"}) or quota
	{__name__="calls", server="b", status="ok", tool="fetch"} 30
	{__name__="calls", server="b", status="error", tool="fetch"} 20
	{__name__="quota", plan="pro", server="a"} 500
	{__name__="quota", plan="free", server="b"} 40

eval instant at 10m calls{tool="nothing"} or quota
	{__name__="quota", plan="pro", server="a"} 500
	{__name__="quota", plan="free", server="b"} 40

eval instant at 10m quota and calls{tool="nothing"}

eval instant at 10m quota atan2 on (server) sum by (server) (calls)
	{server="a"} 1.2076493168487203
	{server="b"} 0.6747409422235526

eval instant at 10m 1 atan2 quota
	{__name__="quota", plan="pro", server="a"} 0.0019999973333397333
	{__name__="quota", plan="free", server="b"} 0.02499479361892016

eval_fail instant at 10m calls / on (server) quota
# error: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)

eval_fail instant at 10m quota / on (server) calls
# error: found duplicate series for the match group {server="a"} on the right hand-side of the operation: [{__name__="calls", server="a", status="error", tool="search"}, {__name__="calls", server="a", status="ok", tool="search"}];many-to-many matching not allowed: matching labels must be unique on one side

eval_fail instant at 10m calls / on (server) group_left weight
# error: found duplicate series for the match group {} on the right hand-side of the operation: [{__name__="weight", tool="fetch"}, {__name__="weight", tool="search"}];many-to-many matching not allowed: matching labels must be unique on one side

eval_fail instant at 10m calls{status="ok"} + ignoring (tool, status) group_left calls{server="b"}
# error: found duplicate series for the match group {server="b"} on the right hand-side of the operation: [{__name__="calls", server="b", status="error", tool="fetch"}, {__name__="calls", server="b", status="ok", tool="fetch"}];many-to-many matching not allowed: matching labels must be unique on one side
`;

it('evaluates the 58 operators cases as Prometheus 2.42 does', () => {
  const { failures, evals } = runPromqlScript(SCRIPT, parseExpr);
  expect(failures).toEqual([]);
  expect(evals).toBe(348); // with the @ and other-time variants
});
