/**
 * Services and checks registered through the API survive a restart (Consul's persistService,
 * persistCheck, persistCheckState): one JSON file per service under `<data_dir>/services/`, per
 * check under `<data_dir>/checks/`, and the last TTL status under `<data_dir>/checks/state/`,
 * each named by the MD5 of its ID as Consul names them. Files are written to a temporary name,
 * fsynced and renamed, so a crash leaves the old file or the new one, never half of one.
 * Config-file services are not persisted (the files are their record), as in Consul.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/index.js';
import { nodeCrypto } from '../host/index.js';
import type { CheckDefinition, CheckSource, CheckStatus } from './checks/index.js';
import type { LocalService } from './local-state.js';

export interface PersistedService {
  service: LocalService;
  source: CheckSource;
}
export interface PersistedCheck {
  def: CheckDefinition;
  source: CheckSource;
  /** Set for maintenance checks, which have no runner. */
  maintenance?: { name: string; notes: string; serviceID: string };
}
export interface PersistedCheckState {
  checkID: string;
  status: CheckStatus;
  output: string;
}

export interface Persistence {
  saveService(service: LocalService, source: CheckSource): void;
  deleteService(id: string): void;
  saveCheck(def: CheckDefinition, source: CheckSource): void;
  saveMaintenance(checkID: string, name: string, notes: string, serviceID: string): void;
  deleteCheck(id: string): void;
  saveCheckState(checkID: string, status: CheckStatus, output: string): void;
  load(): { services: PersistedService[]; checks: PersistedCheck[]; states: Map<string, PersistedCheckState> };
}

const fileName = (id: string): string => nodeCrypto().createHash('md5').update(id).digest('hex');

export class FilePersistence implements Persistence {
  private readonly servicesDir: string;
  private readonly checksDir: string;
  private readonly statesDir: string;

  constructor(
    dataDir: string,
    private readonly logger: Logger,
  ) {
    this.servicesDir = join(dataDir, 'services');
    this.checksDir = join(dataDir, 'checks');
    this.statesDir = join(dataDir, 'checks', 'state');
  }

  saveService(service: LocalService, source: CheckSource): void {
    if (source !== 'remote') return;
    this.write(this.servicesDir, service.id, { service, source } satisfies PersistedService);
  }

  deleteService(id: string): void {
    rmSync(join(this.servicesDir, fileName(id)), { force: true });
  }

  saveCheck(def: CheckDefinition, source: CheckSource): void {
    if (source !== 'remote') return;
    this.write(this.checksDir, def.id, { def, source } satisfies PersistedCheck);
  }

  saveMaintenance(checkID: string, name: string, notes: string, serviceID: string): void {
    this.write(this.checksDir, checkID, { def: { id: checkID } as CheckDefinition, source: 'local', maintenance: { name, notes, serviceID } });
  }

  deleteCheck(id: string): void {
    rmSync(join(this.checksDir, fileName(id)), { force: true });
    rmSync(join(this.statesDir, fileName(id)), { force: true });
  }

  saveCheckState(checkID: string, status: CheckStatus, output: string): void {
    this.write(this.statesDir, checkID, { checkID, status, output } satisfies PersistedCheckState);
  }

  load(): { services: PersistedService[]; checks: PersistedCheck[]; states: Map<string, PersistedCheckState> } {
    const services = this.readAll<PersistedService>(this.servicesDir);
    const checks = this.readAll<PersistedCheck>(this.checksDir);
    const states = new Map(this.readAll<PersistedCheckState>(this.statesDir).map((s) => [s.checkID, s]));
    return { services, checks, states };
  }

  private write(dir: string, id: string, value: unknown): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, fileName(id));
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(value));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }

  private readAll<T>(dir: string): T[] {
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
    const out: T[] = [];
    for (const name of names) {
      try {
        out.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as T);
      } catch (err) {
        this.logger.warn('failed to read persisted file; ignoring it', { file: join(dir, name), error: String(err) });
      }
    }
    return out;
  }
}
