// Public API of src/report: the report types and the files written from them.
export * from './types.js';
export { renderMarkdown } from './markdown.js';
export { renderTimelineSvg, weightPoints, endedConnections } from './timeline-svg.js';
export { writeReportFiles, defaultReportDir, type ReportFiles } from './write-files.js';
export * from './document.js';
