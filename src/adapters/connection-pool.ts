/** A tiny pool: connections are created on demand, reused, and handed out one caller at a time. */

export class ConnectionPool<C> {
  private readonly idle: C[] = [];
  private readonly all: C[] = [];

  constructor(private readonly create: () => Promise<C>) {}

  async use<T>(fn: (connection: C) => Promise<T>): Promise<T> {
    let connection = this.idle.pop();
    if (connection === undefined) {
      connection = await this.create();
      this.all.push(connection);
    }
    try {
      return await fn(connection);
    } finally {
      this.idle.push(connection);
    }
  }

  /** Connections lent out right now. */
  busy(): C[] {
    return this.all.filter((c) => !this.idle.includes(c));
  }

  drain(close: (connection: C) => void): void {
    for (const c of this.all) close(c);
    this.all.length = 0;
    this.idle.length = 0;
  }
}
