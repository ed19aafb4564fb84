/**
 * Prints: time and peak resident memory of the engine process for an A4, an A3 and an A0 at
 * 300 dpi (1:10 000 around Huddinge, PNG streamed), in that order, on the bench database.
 * Peak memory is the process's high-water mark (VmHWM) after each print, against its
 * resident size before the first: A0 must stay bounded by the piece size, not the page.
 */
import { readFileSync } from 'node:fs';
import { startEngineProcess } from './lib/engine-process.ts';
import { round } from './lib/stats.ts';

export interface PrintBenchResult {
  readonly baselineRssMb: number;
  readonly prints: { paper: string; widthPx: number; heightPx: number; seconds: number; bytes: number; peakRssMb: number }[];
}

function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
}

export async function runPrintBench(databaseUrl: string): Promise<PrintBenchResult> {
  const engine = await startEngineProcess({ DATABASE_URL: databaseUrl });
  try {
    const baselineRssMb = round(memoryMb(engine.pid, 'VmRSS'), 0);
    const prints: PrintBenchResult['prints'] = [];
    for (const paper of ['A4', 'A3', 'A0']) {
      const url = `${engine.url}/print?style=grundkarta&center=670500,6569500&scale=10000&paper=${paper}&dpi=300`;
      const start = performance.now();
      const res = await fetch(url);
      if (res.status !== 200) throw new Error(`${paper}: ${res.status} ${await res.text()}`);
      const bytes = (await res.arrayBuffer()).byteLength;
      const seconds = (performance.now() - start) / 1000;
      const size = /-(\d+)x(\d+)\./.exec(res.headers.get('content-disposition') ?? '') ?? [];
      prints.push({ paper, widthPx: Number(size[1]), heightPx: Number(size[2]), seconds: round(seconds, 2), bytes, peakRssMb: round(memoryMb(engine.pid, 'VmHWM'), 0) });
    }
    return { baselineRssMb, prints };
  } finally {
    await engine.stop();
  }
}
