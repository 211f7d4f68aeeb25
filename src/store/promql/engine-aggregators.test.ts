/**
 * Aggregations through the engine: by/without (the name always dropped), sum/avg/count/min/max/group/stddev/stdvar, topk/bottomk with k from an expression, truncated or below 1, quantile inside and outside [0, 1], count_values, nesting, and the errors.
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
	latency{tool="search", server="a", region="eu"} 0+2x30
	latency{tool="search", server="b", region="us"} 0+4x30
	latency{tool="fetch", server="a", region="eu"} 0+8x30
	latency{tool="fetch", server="b", region="ap"} 0+1x30
	latency{tool="write", server="c", region="us"} 100-3x30
	sessions{server="a"} 3x30
	sessions{server="b"} 5x30
	sessions{server="c"} 5x30
	k 2x30
	phi 0.25x30

eval instant at 10m sum(latency)
	{} 220

eval instant at 10m sum by (tool) (latency)
	{tool="search"} 60
	{tool="fetch"} 90
	{tool="write"} 70

eval instant at 10m sum without (server, region) (latency)
	{tool="search"} 60
	{tool="fetch"} 90
	{tool="write"} 70

eval instant at 10m sum by (tool, nonexistent) (latency)
	{tool="search"} 60
	{tool="fetch"} 90
	{tool="write"} 70

eval instant at 10m sum without (tool) (latency)
	{region="eu", server="a"} 100
	{region="us", server="b"} 40
	{region="ap", server="b"} 10
	{region="us", server="c"} 70

eval instant at 10m sum by (__name__) (latency)
	{__name__="latency"} 220

eval instant at 10m sum without (__name__) (latency)
	{region="eu", server="a", tool="search"} 20
	{region="us", server="b", tool="search"} 40
	{region="eu", server="a", tool="fetch"} 80
	{region="ap", server="b", tool="fetch"} 10
	{region="us", server="c", tool="write"} 70

eval instant at 10m avg by (region) (latency)
	{region="eu"} 50
	{region="us"} 55
	{region="ap"} 10

eval instant at 10m count by (region) (latency)
	{region="eu"} 2
	{region="us"} 2
	{region="ap"} 1

eval instant at 10m count without (tool, region, server) (latency)
	{} 5

eval instant at 10m min by (server) (latency)
	{server="a"} 20
	{server="b"} 10
	{server="c"} 70

eval instant at 10m max by (server) (latency)
	{server="a"} 80
	{server="b"} 40
	{server="c"} 70

eval instant at 10m group by (region) (latency)
	{region="eu"} 1
	{region="us"} 1
	{region="ap"} 1

eval instant at 10m stdvar by (region) (latency)
	{region="eu"} 900
	{region="us"} 225
	{region="ap"} 0

eval instant at 10m stddev(sessions)
	{} 0.9428090415820634

eval instant at 10m stdvar without (server) (sessions)
	{} 0.888888888888889

eval instant at 10m avg(sessions)
	{} 4.333333333333334

eval instant at 10m topk(2, latency)
	{__name__="latency", region="eu", server="a", tool="fetch"} 80
	{__name__="latency", region="us", server="c", tool="write"} 70

eval instant at 10m topk by (region) (1, latency)
	{__name__="latency", region="eu", server="a", tool="fetch"} 80
	{__name__="latency", region="us", server="c", tool="write"} 70
	{__name__="latency", region="ap", server="b", tool="fetch"} 10

eval instant at 10m bottomk(2, latency)
	{__name__="latency", region="ap", server="b", tool="fetch"} 10
	{__name__="latency", region="eu", server="a", tool="search"} 20

eval instant at 10m bottomk without (tool, server) (1, latency)
	{__name__="latency", region="eu", server="a", tool="search"} 20
	{__name__="latency", region="us", server="b", tool="search"} 40
	{__name__="latency", region="ap", server="b", tool="fetch"} 10

eval instant at 10m topk(scalar(k), latency)
	{__name__="latency", region="eu", server="a", tool="fetch"} 80
	{__name__="latency", region="us", server="c", tool="write"} 70

eval instant at 10m topk(2.9, sessions)
	{__name__="sessions", server="b"} 5
	{__name__="sessions", server="c"} 5

eval instant at 10m topk(0, latency)

eval instant at 10m bottomk(-1, latency)

eval instant at 10m topk(100, sessions)
	{__name__="sessions", server="b"} 5
	{__name__="sessions", server="c"} 5
	{__name__="sessions", server="a"} 3

eval instant at 10m quantile(0.5, latency)
	{} 40

eval instant at 10m quantile by (region) (0.9, latency)
	{region="eu"} 74
	{region="us"} 67
	{region="ap"} 10

eval instant at 10m quantile(scalar(phi), sessions)
	{} 4

eval instant at 10m quantile(0, sessions)
	{} 3

eval instant at 10m quantile(1, sessions)
	{} 5

eval instant at 10m quantile(-1, sessions)
	{} -Inf

eval instant at 10m quantile(2, sessions)
	{} +Inf

eval instant at 10m count_values("count", sessions)
	{count="3"} 1
	{count="5"} 2

eval instant at 10m count_values by (server) ("value", sessions)
	{server="a", value="3"} 1
	{server="b", value="5"} 1
	{server="c", value="5"} 1

eval instant at 10m count_values without (server) ("value", sessions)
	{value="3"} 1
	{value="5"} 2

eval instant at 10m count_values("value", latency / 4)
	{value="5"} 1
	{value="10"} 1
	{value="20"} 1
	{value="2.5"} 1
	{value="17.5"} 1

eval instant at 10m count(count_values("value", latency))
	{} 5

eval instant at 10m sum(sum by (tool) (latency))
	{} 220

eval instant at 10m max(sum by (region) (latency)) / min(sum by (region) (latency))
	{} 11

eval instant at 10m sum by (tool) (latency) / on (tool) group_left sum(latency) by (tool)
	{tool="search"} 1
	{tool="fetch"} 1
	{tool="write"} 1

eval instant at 10m sum(latency{tool="nothing"})

eval instant at 10m count(latency{tool="nothing"})

eval_fail instant at 10m count_values("1bad", sessions)
# error: invalid label name "1bad"

eval_fail instant at 10m topk(1e20, sessions)
# error: Scalar value 1e+20 overflows int64
`;

it('evaluates the 45 aggregators cases as Prometheus 2.42 does', () => {
  const { failures, evals } = runPromqlScript(SCRIPT, parseExpr);
  expect(failures).toEqual([]);
  expect(evals).toBe(270); // with the @ and other-time variants
});
