/** What an instance installs process-wide (the logger outside requests) it puts back at shutdown. */
import { expect, it } from 'vitest';

import { logSink } from '../../test/log-sink.js';
import { quietMcpulse } from '../../test/quiet.js';
import { requestContext } from '../logging/context.js';

it('puts back the process-wide state it installed when it shuts down', async () => {
  const { stream, lines } = logSink();
  const pulse = quietMcpulse({ logDestination: stream });
  expect(requestContext().log).toBe(pulse.logger);
  requestContext().log.info('while running');
  await pulse.shutdown();
  expect(requestContext().log).not.toBe(pulse.logger);
  requestContext().log.info('after shutdown');
  expect(lines.filter((line) => line.msg === 'while running')).toHaveLength(1);
  expect(lines.filter((line) => line.msg === 'after shutdown')).toEqual([]);
  // Shutting down again changes nothing.
  await pulse.shutdown();
  expect(requestContext().active).toBe(false);
});
