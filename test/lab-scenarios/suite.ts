// Shared lifecycle for lab scenarios: skip without root/netns, one lab per describe, agents stopped and
// the lab torn down even on failure, agent logs printed when a test fails.
import { Lab } from '../lab/lab.js'
import { LabMesh, type MeshOptions } from '../lab/mesh.js'

export interface LabContext {
  readonly lab: Lab
  readonly mesh: LabMesh
  /** Start one agent per host (replaces a previous mesh of this suite). */
  startMesh(opts?: MeshOptions): Promise<LabMesh>
}

let availability: ReturnType<typeof Lab.available> | undefined
const labsAlive = new Set<string>()
process.on('exit', () => {
  for (const name of labsAlive) Lab.destroySync(name)
})

/** Call inside a describe(): creates lab `name` with `hosts` hosts in before(), tears it down in after(). */
export function labSuite(name: string, hosts: number): LabContext {
  let lab: Lab | undefined
  let mesh: LabMesh | undefined
  const ctx: LabContext = {
    get lab() {
      if (!lab) throw new Error('lab not created')
      return lab
    },
    get mesh() {
      if (!mesh) throw new Error('mesh not started')
      return mesh
    },
    async startMesh(opts) {
      await mesh?.dispose()
      mesh = undefined
      mesh = await LabMesh.start(ctx.lab, opts)
      return mesh
    },
  }

  before(async function () {
    this.timeout(60_000)
    availability ??= Lab.available()
    const avail = await availability
    if (!avail.ok) {
      console.log(`    (skipping lab scenario: ${avail.why})`)
      this.skip()
    }
    labsAlive.add(name)
    lab = await Lab.create({ name, hosts })
  })

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && mesh) console.log(mesh.logTails(40))
  })

  after(async function () {
    this.timeout(60_000)
    try {
      await mesh?.dispose()
    } finally {
      mesh = undefined
      await lab?.teardown()
      labsAlive.delete(name)
    }
  })

  return ctx
}
