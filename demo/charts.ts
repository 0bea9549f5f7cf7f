/**
 * The two live charts, drawn with Chart.js: training loss per batch and per epoch, and test accuracy on a
 * probe sample every few batches and on the whole test sample at each epoch's end. The x axis is the step.
 */
import {
  Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip,
  type ChartDataset, type ScatterDataPoint,
} from 'chart.js';

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler);
Chart.defaults.font.family = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
Chart.defaults.color = '#475569';

type Points = ChartDataset<'line', ScatterDataPoint[]>;

const COLORS = { batch: '#6366f1', epoch: '#0f172a', test: '#f59e0b', probe: '#10b981' };

function series(label: string, color: string, style: 'line' | 'points'): Points {
  return style === 'line'
    ? { label, data: [], borderColor: color, backgroundColor: `${color}22`, borderWidth: 2, pointRadius: 0, tension: 0.25, fill: true }
    : { label, data: [], borderColor: color, backgroundColor: color, showLine: false, pointRadius: 5, pointHoverRadius: 7, pointStyle: 'rectRounded', clip: 8 };
}

function lineChart(canvas: HTMLCanvasElement, datasets: Points[], y: { title: string; min?: number; max?: number; percent?: boolean }): Chart<'line', ScatterDataPoint[]> {
  return new Chart<'line', ScatterDataPoint[]>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      layout: { padding: { right: 8 } },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'training step' }, grid: { color: '#eef2f7' } },
        y: {
          min: y.min,
          max: y.max,
          title: { display: true, text: y.title },
          grid: { color: '#eef2f7' },
          ticks: y.percent ? { callback: (v) => `${v}%` } : {},
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12, usePointStyle: true } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${(c.parsed.y ?? 0).toFixed(y.percent ? 1 : 4)}${y.percent ? '%' : ''}` } },
      },
    },
  });
}

export class TrainingCharts {
  private readonly loss: Chart<'line', ScatterDataPoint[]>;
  private readonly accuracy: Chart<'line', ScatterDataPoint[]>;
  private pending = false;

  constructor(lossCanvas: HTMLCanvasElement, accuracyCanvas: HTMLCanvasElement) {
    this.loss = lineChart(lossCanvas, [
      series('train loss (batch)', COLORS.batch, 'line'),
      series('train loss (epoch)', COLORS.epoch, 'points'),
      series('test loss (epoch)', COLORS.test, 'points'),
    ], { title: 'cross-entropy', min: 0 });
    this.accuracy = lineChart(accuracyCanvas, [
      series('test accuracy (probe)', COLORS.probe, 'line'),
      series('test accuracy (epoch)', COLORS.epoch, 'points'),
    ], { title: 'accuracy', min: 0, max: 100, percent: true });
  }

  reset(totalSteps: number): void {
    for (const chart of [this.loss, this.accuracy]) {
      chart.data.datasets.forEach((d) => (d.data = []));
      chart.options.scales!.x!.max = totalSteps;
    }
    this.redraw();
  }

  batchLoss(step: number, loss: number): void {
    this.loss.data.datasets[0].data.push({ x: step, y: loss });
    this.redraw();
  }

  probeAccuracy(step: number, accuracy: number): void {
    this.accuracy.data.datasets[0].data.push({ x: step, y: 100 * accuracy });
    this.redraw();
  }

  epoch(step: number, trainLoss: number, testLoss: number, testAccuracy: number): void {
    this.loss.data.datasets[1].data.push({ x: step, y: trainLoss });
    this.loss.data.datasets[2].data.push({ x: step, y: testLoss });
    this.accuracy.data.datasets[1].data.push({ x: step, y: 100 * testAccuracy });
    this.redraw();
  }

  /** At most one redraw per frame, however fast the steps come. */
  private redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.loss.update('none');
      this.accuracy.update('none');
    });
  }
}
