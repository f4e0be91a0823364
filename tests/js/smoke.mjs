// Smoke test of `supplygraph serve` with the official Neo4j JavaScript
// driver: `node smoke.mjs PORT`. Prints `ok js ...` and exits 0, or throws.
import neo4j from 'neo4j-driver'
import assert from 'node:assert/strict'

const port = process.argv[2]
const driver = neo4j.driver(`bolt://127.0.0.1:${port}`)
try {
  await driver.verifyConnectivity()

  const { summary } = await driver.executeQuery(
    "CREATE (:Country {id: 'by', name: $by})-[:SUPPLIES {value: $v}]->(:Country {id: 'ru', name: 'Russia'})",
    { by: 'Belarus', v: neo4j.int(42) }
  )
  assert.equal(summary.counters.updates().nodesCreated, 2)

  const { records } = await driver.executeQuery(
    'MATCH p = (a)-[r:SUPPLIES]->(b) RETURN a, r, p, r.value AS v'
  )
  assert.equal(records.length, 1)
  const a = records[0].get('a')
  assert.ok(a.labels.includes('Country'))
  assert.equal(a.properties.name, 'Belarus')
  assert.equal(records[0].get('r').type, 'SUPPLIES')
  assert.equal(records[0].get('p').segments.length, 1)
  assert.equal(records[0].get('v').toNumber(), 42)

  const session = driver.session()
  try {
    const n = await session.executeWrite(async tx => {
      await tx.run('UNWIND range(1, 3) AS i CREATE (:T {i: i})')
      const r = await tx.run('MATCH (t:T) RETURN count(t) AS c')
      return r.records[0].get('c').toNumber()
    })
    assert.equal(n, 3)
    await assert.rejects(session.run('MATCH (n RETURN n'), e => {
      assert.equal(e.code, 'Neo.ClientError.Statement.SyntaxError')
      return true
    })
    const r = await session.run('UNWIND range(1, 500) AS i RETURN i')
    assert.equal(r.records.length, 500)
  } finally {
    await session.close()
  }
  console.log('ok js driver: executeQuery, nodes, relationships, paths, executeWrite, errors, paging')
} finally {
  await driver.close()
}
