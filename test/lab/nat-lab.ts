// A small internet in network namespaces (#14, docs/nat.md): public hosts on a WAN bridge, and homes
// that each sit behind their own NAT router (nftables masquerade; unsolicited inbound traffic is
// dropped). Every home uses 192.168.1.0/24, as real homes do, so one home's LAN address is the other
// home's own. Nothing has a default route out of the lab; every address stays inside it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { belongs, checkName, destroyLab, destroyLabSync, listNetns, noIpv6 } from './netns.js'
import { ipBatch, run } from './run.js'

export const WAN = '10.231.0'
export const HOME_LAN = '192.168.1'
export const HOME_IP = `${HOME_LAN}.10`

export interface NatLabHost {
  ns: string
  /** The address it listens on: a WAN address for public hosts, 192.168.1.10 for homes. */
  ip: string
}

export interface NatHome extends NatLabHost {
  router: NatLabHost
}

// Namespaces are `${name}-hI` so that the lab's teardown (netns.ts) finds them: publics are h1..,
// routers h10+k and homes h20+k.
const ns = (name: string, i: number) => `${name}-h${i}`

/** The router's rules: masquerade out of the WAN side; forward only what a home started. */
const routerRules = `table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100;
    oifname "eth0" masquerade
  }
}
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "eth1" oifname "eth0" accept
  }
}
`

export class NatLab {
  private constructor(
    readonly name: string,
    readonly publics: NatLabHost[],
    readonly homes: NatHome[],
  ) {}

  get bridgeNs(): string {
    return `${this.name}-br`
  }

  /** Is nftables there (`apt-get install nftables`)? */
  static async nftAvailable(): Promise<boolean> {
    return run('nft', ['--version']).then(
      () => true,
      () => false,
    )
  }

  static async create(name: string, publics = 2, homes = 2): Promise<NatLab> {
    checkName(name)
    await NatLab.destroy(name)
    const lab = new NatLab(
      name,
      Array.from({ length: publics }, (_, k) => ({ ns: ns(name, k + 1), ip: `${WAN}.${11 + k}` })),
      Array.from({ length: homes }, (_, k) => ({
        ns: ns(name, 21 + k),
        ip: HOME_IP,
        router: { ns: ns(name, 11 + k), ip: `${WAN}.${21 + k}` },
      })),
    )
    try {
      await lab.build()
    } catch (err) {
      await NatLab.destroy(name).catch(() => {})
      throw err
    }
    return lab
  }

  static async destroy(name: string): Promise<void> {
    for (const n of await listNetns())
      if (belongs(name, n)) rmSync(`/etc/netns/${n}`, { recursive: true, force: true })
    await destroyLab(name)
  }

  static destroySync(name: string): void {
    destroyLabSync(name)
  }

  private async build(): Promise<void> {
    const br = this.bridgeNs
    await run('ip', ['netns', 'add', br])
    await noIpv6(br)
    const bridges = ['wan0', ...this.homes.map((_, k) => `lan${k + 1}`)]
    await ipBatch(br, [
      'link set dev lo up',
      ...bridges.flatMap((b) => [`link add name ${b} type bridge`, `link set dev ${b} up`]),
    ])
    let port = 0
    /** A veth from bridge `bridge` to `eth` in `host`, addressed `ip/24`. */
    const wire = async (host: string, eth: string, bridge: string, ip: string) => {
      port++
      await ipBatch(br, [
        `link add name p${port} type veth peer name ${eth} netns ${host}`,
        `link set dev p${port} master ${bridge}`,
        `link set dev p${port} up`,
      ])
      await ipBatch(host, [`addr add ${ip}/24 dev ${eth}`, `link set dev ${eth} up`])
    }
    const addHost = async (host: string) => {
      await run('ip', ['netns', 'add', host])
      await noIpv6(host)
      await ipBatch(host, ['link set dev lo up'])
    }
    for (const p of this.publics) {
      await addHost(p.ns)
      await wire(p.ns, 'eth0', 'wan0', p.ip)
    }
    for (const [k, h] of this.homes.entries()) {
      await addHost(h.router.ns)
      await wire(h.router.ns, 'eth0', 'wan0', h.router.ip)
      await wire(h.router.ns, 'eth1', `lan${k + 1}`, `${HOME_LAN}.1`)
      await run('ip', ['netns', 'exec', h.router.ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
      await run('ip', ['netns', 'exec', h.router.ns, 'nft', '-f', '-'], { input: routerRules })
      await addHost(h.ns)
      await wire(h.ns, 'eth0', `lan${k + 1}`, h.ip)
      await ipBatch(h.ns, [`route add default via ${HOME_LAN}.1`])
    }
  }

  /** Names this host resolves (`/etc/netns/NS/hosts`, which `ip netns exec` mounts on /etc/hosts). */
  resolve(host: NatLabHost, names: Record<string, string>): void {
    mkdirSync(`/etc/netns/${host.ns}`, { recursive: true })
    const lines = Object.entries(names).map(([n, ip]) => `${ip} ${n}`)
    writeFileSync(`/etc/netns/${host.ns}/hosts`, `127.0.0.1 localhost\n${lines.join('\n')}\n`)
  }

  async teardown(): Promise<void> {
    await NatLab.destroy(this.name)
  }
}
