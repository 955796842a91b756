/**
 * Subscribes to the kiosk UI server's view-model stream as the kiosk window would (launch URL →
 * cookie → SSE) and keeps every byte it was sent.
 */
export class SseRecorder {
  private text = '';
  private readonly controller = new AbortController();
  private done: Promise<void> = Promise.resolve();

  /** Every view model received so far (parsed `data:` lines). */
  viewModels(): unknown[] {
    return this.text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
  }

  /** The raw stream so far. */
  raw(): string {
    return this.text;
  }

  async start(launchUrl: string): Promise<void> {
    const launch = await fetch(launchUrl, { redirect: 'manual' });
    const cookie = launch.headers.get('set-cookie')?.split(';')[0];
    if (!cookie) throw new Error('the UI server set no launch cookie');
    const origin = new URL(launchUrl).origin;
    const response = await fetch(`${origin}/view-model/stream`, {
      headers: { cookie },
      signal: this.controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`view-model stream answered ${response.status}`);
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          this.text += decoder.decode(value, { stream: true });
        }
      } catch {
        // Aborted or closed by the server: what arrived is kept.
      }
    })();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}
