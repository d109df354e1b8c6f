// redisCapacity: the capacity measurement (capacity.ts) with `protocol: redis`: 10,000 long-lived
// connections heart-beaten every second with RESP PING/+PONG (the redis preset) against ONE
// real redis-server in its own process (started as the sandbox's kubelet starts a redis pod,
// src/sandbox/pods/server-process.ts, with --maxclients 10100: Redis's default is 10,000 and it
// needs maxclients + 32 open files, under this machine's 20,000 per process). Missed heartbeats,
// KB per connection on the prober side, prober CPU. Needs Debian's redis-server package.
import { silentLogger } from '../../src/util/logger.js';
import { programPath, REAL_SERVERS } from '../../src/sandbox/pods/real-servers.js';
import { spawnServerProcess } from '../../src/sandbox/pods/server-process.js';
import type { BenchSuite } from '../suite.js';
import { measureCapacity } from './capacity.js';

export const suite: BenchSuite = {
  key: 'redisCapacity',
  title: 'long-lived probe connections with protocol: redis against one redis-server (1 s heartbeat)',
  async run(options) {
    const server = REAL_SERVERS.redis;
    const program = programPath(server.program);
    if (!program) throw new Error(`redis-server not found: install Debian's ${server.debianPackage} package (apt-get install -y ${server.debianPackage})`);
    const redis = await spawnServerProcess({ pod: 'bench-redis', server, program, args: ['--maxclients', '10100'], declaredPorts: [], env: {}, logger: silentLogger });
    try {
      return await measureCapacity(options, redis.port, ['--protocol', 'redis']);
    } finally {
      redis.signal('SIGTERM');
      await redis.exited;
    }
  },
};
