import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loopbackNginxConf } from '../helpers/nginx-conf.ts';

const shipped = readFileSync('deploy/nginx.conf', 'utf8');

describe('loopbackNginxConf', () => {
  const conf = loopbackNginxConf(shipped, { servers: ['127.0.0.1:4001', '127.0.0.1:4002'], listen: '127.0.0.1:4100' });

  it('swaps the engine servers, keeping their parameters, and the listen address', () => {
    expect(conf).not.toMatch(/engine-\d/);
    const params = /server engine-1:3000([^;]*);/.exec(shipped)![1];
    expect(conf).toContain(`server 127.0.0.1:4001${params};`);
    expect(conf).toContain(`server 127.0.0.1:4002${params};`);
    expect(conf.match(/^\s*listen /gm)).toHaveLength(1);
    expect(conf).toContain('listen 127.0.0.1:4100;');
  });

  it('moves the pid file and temp folders under the prefix and leaves the rest as shipped', () => {
    expect(conf).toContain('pid nginx.pid;');
    expect(conf).toContain('proxy_temp_path proxy_temp;');
    const rest = (text: string) => text.split('\n').filter((l) => !/^\s*(server \S+:\d+|listen |pid |\w+_temp_path )/.test(l));
    expect(rest(conf)).toEqual(rest(shipped));
  });

  it('fails when the shipped file no longer has the expected shape', () => {
    expect(() => loopbackNginxConf(shipped.replace(/^\s*listen .*$/m, ''), { servers: ['127.0.0.1:1'], listen: '127.0.0.1:2' })).toThrow(/listen/);
    expect(() => loopbackNginxConf(shipped.replace(/server engine-/g, 'server other-'), { servers: ['127.0.0.1:1'], listen: '127.0.0.1:2' })).toThrow(/engine/);
  });
});
