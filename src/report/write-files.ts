import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { reportDocument } from './document.js';
import { renderMarkdown } from './markdown.js';
import { renderTimelineSvg } from './timeline-svg.js';
import type { ShiftReport } from './types.js';

export interface ReportFiles {
  dir: string;
  json: string;
  markdown: string;
  timeline: string;
}

/** Write report.json, report.md and timeline.svg into dir (created if needed). */
export async function writeReportFiles(dir: string, report: ShiftReport): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    dir,
    json: path.join(dir, 'report.json'),
    markdown: path.join(dir, 'report.md'),
    timeline: path.join(dir, 'timeline.svg'),
  };
  await writeFile(files.json, `${JSON.stringify(reportDocument(report), null, 2)}\n`);
  await writeFile(files.markdown, renderMarkdown(report, { timeline: 'timeline.svg' }));
  await writeFile(files.timeline, renderTimelineSvg(report));
  return files;
}

/** Default report directory: ./tcpshift-reports/<namespace>-<name>-<UTC time>. */
export function defaultReportDir(cwd: string, namespace: string, name: string, startedAt: number): string {
  const stamp = new Date(startedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return path.join(cwd, 'tcpshift-reports', `${namespace}-${name}-${stamp}`);
}
