/**
 * A minimal Server-Sent Events reader over fetch (a real HTTP client on a real socket), for tests:
 * parses `event:`/`data:` messages and `:` comments as they arrive and waits for the one asked for.
 */

export interface SseMessage {
  /** `comment` for `: …` lines. */
  event: string;
  data: string;
}

export class SseClient {
  readonly messages: SseMessage[] = [];
  private buffer = '';
  private ended = false;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    void this.pump();
  }

  /** Opens the stream; the response may be an error (check `response.status`). */
  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    return new SseClient(response, controller);
  }

  get done(): boolean {
    return this.ended;
  }

  /** The first message (from the start) matching `predicate`, waiting for it if need be. */
  async next(predicate: (message: SseMessage) => boolean): Promise<SseMessage> {
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.ended)
        throw new Error(`stream ended without the message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves when the server ends the stream. */
  async untilEnded(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.controller.abort();
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      if (!this.response.ok || !this.response.body) return;
      const reader = this.response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.buffer += decoder.decode(value, { stream: true });
        this.parse();
        this.wake();
      }
    } catch {
      // Aborted by close() or the connection dropped: the stream has ended either way.
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private parse(): void {
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.messages.push({ event: 'comment', data: line.slice(1).trim() });
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) this.messages.push({ event, data: data.join('\n') });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
