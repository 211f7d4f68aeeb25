/**
 * Selectors through the engine: the four matchers and empty-value matching, regex anchoring and flags, offsets both ways, the 5m lookback over sparse series, staleness markers (in instant and range selectors), closed range windows, timestamp(), absent() and absent_over_time().
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
	requests{method="GET", path="/a", code="200"} 0+10x20
	requests{method="GET", path="/b", code="500"} 0+1x20
	requests{method="POST", path="/a", code="200"} 0+5x20
	requests{method="post", path="/c", code=""} 0+2x20
	sparse{id="1"} 1 _ _ _ _ _ 7 _ _ _ _ _ _ _ _ _ _ _ _ _ 21
	ended{id="1"} 1 2 3 stale _ _ 7 8 stale _ _ _ _ _ _ _ _ _ _ _ 9
	ended{id="2"} 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5 5

eval instant at 20m requests
	{__name__="requests", code="200", method="GET", path="/a"} 200
	{__name__="requests", code="500", method="GET", path="/b"} 20
	{__name__="requests", code="200", method="POST", path="/a"} 100
	{__name__="requests", method="post", path="/c"} 40

eval instant at 20m requests{method="GET"}
	{__name__="requests", code="200", method="GET", path="/a"} 200
	{__name__="requests", code="500", method="GET", path="/b"} 20

eval instant at 20m requests{method!="GET"}
	{__name__="requests", code="200", method="POST", path="/a"} 100
	{__name__="requests", method="post", path="/c"} 40

eval instant at 20m requests{method=~"P.*"}
	{__name__="requests", code="200", method="POST", path="/a"} 100

eval instant at 20m requests{method=~"(?i)post"}
	{__name__="requests", code="200", method="POST", path="/a"} 100
	{__name__="requests", method="post", path="/c"} 40

eval instant at 20m requests{method!~"G.*|p.*"}
	{__name__="requests", code="200", method="POST", path="/a"} 100

eval instant at 20m requests{code=""}
	{__name__="requests", method="post", path="/c"} 40

eval instant at 20m requests{code!=""}
	{__name__="requests", code="200", method="GET", path="/a"} 200
	{__name__="requests", code="500", method="GET", path="/b"} 20
	{__name__="requests", code="200", method="POST", path="/a"} 100

eval instant at 20m requests{code=~"2.."}
	{__name__="requests", code="200", method="GET", path="/a"} 200
	{__name__="requests", code="200", method="POST", path="/a"} 100

eval instant at 20m requests{nothing=""}
	{__name__="requests", code="200", method="GET", path="/a"} 200
	{__name__="requests", code="500", method="GET", path="/b"} 20
	{__name__="requests", code="200", method="POST", path="/a"} 100
	{__name__="requests", method="post", path="/c"} 40

eval instant at 20m requests{nothing!~".+"}
	{__name__="requests", code="200", method="GET", path="/a"} 200
	{__name__="requests", code="500", method="GET", path="/b"} 20
	{__name__="requests", code="200", method="POST", path="/a"} 100
	{__name__="requests", method="post", path="/c"} 40

eval instant at 20m {__name__="requests", path="/a"}
	{__name__="requests", code="200", method="GET", path="/a"} 200
	{__name__="requests", code="200", method="POST", path="/a"} 100

eval instant at 20m {__name__=~"req.*", method="POST"}
	{__name__="requests", code="200", method="POST", path="/a"} 100

eval instant at 20m {__name__=~"sparse|ended"}
	{__name__="sparse", id="1"} 21
	{__name__="ended", id="1"} 9
	{__name__="ended", id="2"} 5

eval instant at 20m requests offset 5m
	{__name__="requests", code="200", method="GET", path="/a"} 150
	{__name__="requests", code="500", method="GET", path="/b"} 15
	{__name__="requests", code="200", method="POST", path="/a"} 75
	{__name__="requests", method="post", path="/c"} 30

eval instant at 20m requests{path="/a"} offset 20m
	{__name__="requests", code="200", method="GET", path="/a"} 0
	{__name__="requests", code="200", method="POST", path="/a"} 0

eval instant at 10m requests{path="/a"} offset -5m
	{__name__="requests", code="200", method="GET", path="/a"} 150
	{__name__="requests", code="200", method="POST", path="/a"} 75

eval instant at 20m requests{path="/a"} offset 21m

eval instant at 3m sparse
	{__name__="sparse", id="1"} 1

eval instant at 5m sparse
	{__name__="sparse", id="1"} 1

eval instant at 6m sparse
	{__name__="sparse", id="1"} 7

eval instant at 10m sparse
	{__name__="sparse", id="1"} 7

eval instant at 11m sparse
	{__name__="sparse", id="1"} 7

eval instant at 12m sparse

eval instant at 2m ended
	{__name__="ended", id="1"} 3
	{__name__="ended", id="2"} 5

eval instant at 3m ended
	{__name__="ended", id="2"} 5

eval instant at 5m ended
	{__name__="ended", id="2"} 5

eval instant at 6m ended
	{__name__="ended", id="1"} 7
	{__name__="ended", id="2"} 5

eval instant at 7m ended
	{__name__="ended", id="1"} 8
	{__name__="ended", id="2"} 5

eval instant at 8m ended
	{__name__="ended", id="2"} 5

eval instant at 20m ended
	{__name__="ended", id="1"} 9
	{__name__="ended", id="2"} 5

eval instant at 20m count_over_time(ended[20m])
	{id="1"} 6
	{id="2"} 21

eval instant at 20m count_over_time(sparse[20m])
	{id="1"} 3

eval instant at 20m count_over_time(sparse[14m])
	{id="1"} 2

eval instant at 20m count_over_time(sparse[14m] offset 1m)
	{id="1"} 1

eval instant at 20m count_over_time(requests{path="/b"}[5m])
	{code="500", method="GET", path="/b"} 6

eval instant at 20m count_over_time(requests{path="/b"}[5m] offset 15m)
	{code="500", method="GET", path="/b"} 6

eval instant at 20m count_over_time(requests{path="/b"}[299s])
	{code="500", method="GET", path="/b"} 5

eval instant at 20m sum_over_time(ended[8m] offset 12m)
	{id="1"} 21
	{id="2"} 45

eval instant at 20m last_over_time(ended[15m])
	{__name__="ended", id="1"} 9
	{__name__="ended", id="2"} 5

eval instant at 20m rate(requests[5m])
	{code="200", method="GET", path="/a"} 0.16666666666666669
	{code="500", method="GET", path="/b"} 0.016666666666666666
	{code="200", method="POST", path="/a"} 0.08333333333333334
	{method="post", path="/c"} 0.03333333333333333

eval instant at 20m rate(requests[5m] offset 10m)
	{code="200", method="GET", path="/a"} 0.16666666666666669
	{code="500", method="GET", path="/b"} 0.016666666666666666
	{code="200", method="POST", path="/a"} 0.08333333333333334
	{method="post", path="/c"} 0.03333333333333333

eval instant at 20m increase(requests{path="/a"}[10m])
	{code="200", method="GET", path="/a"} 100
	{code="200", method="POST", path="/a"} 50

eval instant at 20m delta(ended{id="2"}[20m])
	{id="2"} 0

eval instant at 20m timestamp(sparse)
	{id="1"} 1200

eval instant at 20m timestamp(ended)
	{id="1"} 1200
	{id="2"} 1200

eval instant at 8m timestamp(ended offset 2m)
	{id="1"} 360
	{id="2"} 360

eval instant at 20m absent(requests{method="PUT"})
	{method="PUT"} 1

eval instant at 20m absent(requests{method="GET"})

eval instant at 20m absent(nothing{a="b", c=~"d"})
	{a="b"} 1

eval instant at 20m absent_over_time(sparse[5m])

eval instant at 20m absent_over_time(nothing{id="9"}[5m])
	{id="9"} 1
`;

it('evaluates the 52 selectors cases as Prometheus 2.42 does', () => {
  const { failures, evals } = runPromqlScript(SCRIPT, parseExpr);
  expect(failures).toEqual([]);
  expect(evals).toBe(297); // with the @ and other-time variants
});
