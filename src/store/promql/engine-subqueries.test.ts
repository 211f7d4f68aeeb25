/**
 * Subqueries and the @ modifier through the engine: step alignment, default step, offsets, nesting, functions over subqueries, @ on selectors, ranges and subqueries with offsets before or after it, @ inside subqueries, and the time functions that are not step-invariant.
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
load 10s
	ops{tool="search"} 0+3x360
	ops{tool="fetch"} 0+1x180 540+7x180
	level{room="1"} 10 20 30 40 50 60 70 80 90 100 stale _ 130 140 150 160 170 180 190 200 210x341

eval instant at 60m rate(ops[5m:1m])
	{tool="search"} 0.30000000000000004
	{tool="fetch"} 0.7000000000000001

eval instant at 60m rate(ops[5m:])
	{tool="search"} 0.30000000000000004
	{tool="fetch"} 0.7000000000000001

eval instant at 60m rate(ops[5m:30s])
	{tool="search"} 0.30000000000000004
	{tool="fetch"} 0.7000000000000001

eval instant at 60m rate(ops[5m:7s])
	{tool="search"} 0.29591836734693877
	{tool="fetch"} 0.6904761904761905

eval instant at 60m max_over_time(ops[2m:25s])
	{tool="search"} 1080
	{tool="fetch"} 1793

eval instant at 59m50s min_over_time(ops[1m:23s])
	{tool="search"} 1062
	{tool="fetch"} 1751

eval instant at 60m count_over_time(ops[10m:1m] offset 5m)
	{tool="search"} 11
	{tool="fetch"} 11

eval instant at 60m count_over_time(ops[10m:1m] offset -2m)
	{tool="search"} 11
	{tool="fetch"} 11

eval instant at 60m max_over_time(rate(ops[1m])[10m:2m])
	{tool="search"} 0.3
	{tool="fetch"} 0.7

eval instant at 60m max_over_time(max_over_time(ops[1m:20s])[5m:1m])
	{tool="search"} 1080
	{tool="fetch"} 1793

eval instant at 60m sum_over_time(sum by (tool) (ops)[2m:30s])
	{tool="search"} 5310
	{tool="fetch"} 8755

eval instant at 60m avg_over_time((ops * 2)[1m:20s])
	{tool="search"} 2142
	{tool="fetch"} 3544

eval instant at 60m count_over_time(level[3m:10s] offset 57m)
	{room="1"} 17

eval instant at 60m sum_over_time(level[3m:10s] offset 57m)
	{room="1"} 1670

eval instant at 60m last_over_time(level[3m:10s] offset 57m)
	{__name__="level", room="1"} 190

eval instant at 60m deriv(ops[10m:1m])
	{tool="search"} 0.3
	{tool="fetch"} 0.7

eval instant at 60m delta(ops{tool="fetch"}[40m:10m])
	{tool="fetch"} 1673

eval instant at 60m ops @ 100
	{__name__="ops", tool="search"} 30
	{__name__="ops", tool="fetch"} 10

eval instant at 60m ops @ 100 offset 20s
	{__name__="ops", tool="search"} 24
	{__name__="ops", tool="fetch"} 8

eval instant at 60m ops offset 20s @ 100
	{__name__="ops", tool="search"} 24
	{__name__="ops", tool="fetch"} 8

eval instant at 60m ops @ 1000 offset -100s
	{__name__="ops", tool="search"} 330
	{__name__="ops", tool="fetch"} 110

eval instant at 10s ops @ 3000
	{__name__="ops", tool="search"} 900
	{__name__="ops", tool="fetch"} 1373

eval instant at 60m rate(ops[1m] @ 600)
	{tool="search"} 0.3
	{tool="fetch"} 0.1

eval instant at 60m rate(ops[1m] @ 600 offset 1m)
	{tool="search"} 0.3
	{tool="fetch"} 0.1

eval instant at 60m ops @ 100 + ops @ 200
	{tool="search"} 90
	{tool="fetch"} 30

eval instant at 60m ops - ops @ 0
	{tool="search"} 1080
	{tool="fetch"} 1793

eval instant at 60m sum(ops @ 300) by (tool)
	{tool="search"} 90
	{tool="fetch"} 30

eval instant at 60m max_over_time(ops[2m:30s] @ 300)
	{tool="search"} 90
	{tool="fetch"} 30

eval instant at 60m max_over_time(ops[2m:30s] @ 300 offset 1m)
	{tool="search"} 72
	{tool="fetch"} 24

eval instant at 60m max_over_time(ops @ 300 [2m:30s])
	{tool="search"} 90
	{tool="fetch"} 30

eval instant at 60m sum_over_time(sum_over_time(ops[1m] @ 300)[3m:1m] @ 1000)
	{tool="search"} 1701
	{tool="fetch"} 567

eval instant at 60m sum_over_time(sum_over_time(ops[1m])[3m:1m] @ 1000)
	{tool="search"} 5481
	{tool="fetch"} 1827

eval instant at 60m timestamp(ops @ 250)
	{tool="search"} 250
	{tool="fetch"} 250

eval instant at 60m timestamp(ops offset 30m)
	{tool="search"} 1800
	{tool="fetch"} 1800

eval instant at 60m minute(ops @ 1200)
	{tool="search"} 6
	{tool="fetch"} 2

eval instant at 60m sum_over_time(minute()[5m:1m] @ 3600)
	{} 285

eval instant at 60m sum_over_time(vector(time())[3m:1m] @ 600)
	{} 2040

eval instant at 60m predict_linear(ops[2m] @ 1800, 60)
	{tool="search"} 1098
	{tool="fetch"} 366

eval instant at 60m rate(ops[1m] @ 3600) - rate(ops[1m])
	{tool="search"} 0
	{tool="fetch"} 0
`;

it('evaluates the 39 subqueries cases as Prometheus 2.42 does', () => {
  const { failures, evals } = runPromqlScript(SCRIPT, parseExpr);
  expect(failures).toEqual([]);
  expect(evals).toBe(214); // with the @ and other-time variants
});
