// One Aedes broker node of fleetcast's Aedes cluster (scripts/cluster-aedes):
// every node shares one Redis, which carries the messages between the nodes
// (mqemitter-redis) and holds retained messages, subscriptions, persistent
// sessions' queued QoS 1 messages and wills (aedes-persistence-redis), so a
// client may move to any node.
//   node node.mjs --port 1883 --redis-port 6379 [--id aedes1]
import net from 'node:net'
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import { Aedes } from 'aedes'

const require = createRequire(import.meta.url)
const mqemitterRedis = require('mqemitter-redis')
const AsyncRedisPersistence = require('aedes-persistence-redis/asyncPersistence.js')

// aedes 1.2 pipes what these return (streams, as its in-memory persistence
// gives); aedes-persistence-redis 12 returns async iterables: made streams here.
class RedisPersistence extends AsyncRedisPersistence {}
for (const method of ['createRetainedStreamCombi', 'createRetainedStream', 'outgoingStream', 'streamWill', 'getClientList']) {
  const base = AsyncRedisPersistence.prototype[method]
  RedisPersistence.prototype[method] = function (...a) {
    const out = base.apply(this, a)
    return typeof out?.pipe === 'function' ? out : Readable.from(out)
  }
}

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), [])
)
const port = Number(args.port || 1883)
const redis = { host: '127.0.0.1', port: Number(args['redis-port'] || 6379) }
const id = args.id || `aedes-${port}`
const log = (event, kv = {}) =>
  console.log([new Date().toISOString(), 'INFO aedes', event, `node=${id}`,
    ...Object.entries(kv).map(([k, v]) => `${k}=${v}`)].join(' '))

const broker = await Aedes.createBroker({
  id,
  mq: mqemitterRedis(redis),
  persistence: new RedisPersistence({ ...redis, maxSessionDelivery: 20000 }),
  // fleetcast's devices may be slow readers of a fan-out: give them time
  // rather than dropping them (their sessions resume where they stopped).
  concurrency: 1000,
  drainTimeout: 120000,
  queueLimit: 1000
})
// Aedes drops a message for a client as a duplicate unless its per-broker
// counter is above the last one that client got from that broker. Between
// nodes the counters arrive out of order (a 64 KiB chunk stored in Redis for
// offline sessions is emitted after a later small message), so whole fan-outs
// were dropped. QoS 1 is at-least-once and fleetcast handles duplicates: no
// message is dropped as a duplicate here.
const neverDuplicate = () => new Proxy(Object.create(null), { get: () => 0, set: () => true })
broker.on('clientError', (client, err) => log('client_error', { client: client?.id, error: JSON.stringify(err.message) }))
broker.on('connectionError', (client, err) => log('connection_error', { client: client?.id, error: JSON.stringify(err.message) }))
const server = net.createServer((conn) => {
  const client = broker.handle(conn)
  client.duplicates = neverDuplicate()
})
server.listen(port, '127.0.0.1', () => log('listening', { port, redis: redis.port }))
const stop = () => {
  server.close()
  broker.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 3000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
