/**
 * Host colours from Okabe and Ito's palette for colour-blind readers ("Color Universal Design", 2008). Yellow is
 * left out: it is too light to see on white. Colour is never the only cue: every host row is labelled, and the
 * noisy host also gets a hatched background and a ▲ in its label.
 */
export const okabeIto = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
  black: '#000000',
} as const;

/** The noisy host's colour. */
export const noisyColour = okabeIto.vermillion;

/** The quiet hosts' colours, repeated in this order when there are more hosts than colours. */
const quietColours: readonly string[] = [
  okabeIto.blue,
  okabeIto.bluishGreen,
  okabeIto.orange,
  okabeIto.reddishPurple,
  okabeIto.skyBlue,
  okabeIto.black,
];

/** The colour of `host`; quiet hosts take the quiet colours in turn, skipping the noisy host. */
export function hostColour(host: number, noisyHost: number | undefined): string {
  if (host === noisyHost) return noisyColour;
  const quietIndex = noisyHost !== undefined && host > noisyHost ? host - 1 : host;
  return quietColours[quietIndex % quietColours.length] as string;
}

/** The mark that tells the noisy host apart without colour. */
export const noisyMark = '▲';

/** Diagonal grey stripes, the noisy host row's background on a canvas. */
export function hatchPattern(context: CanvasRenderingContext2D, scale: number): CanvasPattern | null {
  const size = Math.max(1, Math.round(8 * scale));
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const pen = tile.getContext('2d');
  if (pen === null) return null;
  pen.strokeStyle = '#c8c8c8';
  pen.lineWidth = Math.max(1, scale);
  pen.beginPath();
  pen.moveTo(0, size);
  pen.lineTo(size, 0);
  pen.moveTo(-size / 2, size / 2);
  pen.lineTo(size / 2, -size / 2);
  pen.moveTo(size / 2, size * 1.5);
  pen.lineTo(size * 1.5, size / 2);
  pen.stroke();
  return context.createPattern(tile, 'repeat');
}
