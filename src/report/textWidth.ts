/**
 * Text widths for chart layout. Vega lays out axes, legends and titles by the width of their
 * text; without a canvas it guesses 0.8 em a character, which overestimates most text by a third
 * (labels then look crowded and get hidden as overlapping). Measuring with a canvas would make
 * the output depend on the machine's fonts. Instead, widths come from this table: the advance
 * widths of DejaVu Sans and DejaVu Sans Bold (the charts' first font) for printable ASCII, in
 * em, read once from the fonts' `hmtx` tables. Other characters count 0.84 em (the widest common
 * symbols, such as ±).
 */

/** Advance widths (em) of DejaVu Sans, characters 32 (space) to 126 (~). */
const REGULAR: readonly number[] = [
  0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337,
  0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531,
  1, 0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787,
  0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.39, 0.337, 0.39, 0.838, 0.5,
  0.5, 0.613, 0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612,
  0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838,
];

/** Advance widths (em) of DejaVu Sans Bold, characters 32 to 126. */
const BOLD: readonly number[] = [
  0.348, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457, 0.457, 0.523, 0.838, 0.38, 0.415, 0.38, 0.365,
  0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.4, 0.4, 0.838, 0.838, 0.838, 0.58,
  1, 0.774, 0.762, 0.734, 0.83, 0.683, 0.683, 0.821, 0.837, 0.372, 0.372, 0.775, 0.637, 0.995, 0.837, 0.85,
  0.733, 0.85, 0.77, 0.72, 0.682, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, 0.365, 0.457, 0.838, 0.5,
  0.5, 0.675, 0.716, 0.593, 0.716, 0.678, 0.435, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042, 0.712, 0.687,
  0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, 0.582, 0.712, 0.365, 0.712, 0.838,
];

const OTHER_EM = 0.84;

/** Width in pixels of `text` set in DejaVu Sans at `fontSize` pixels, bold or not. */
export function textWidth(text: string, fontSize: number, bold: boolean): number {
  const table = bold ? BOLD : REGULAR;
  let em = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    em += code >= 32 && code <= 126 ? table[code - 32]! : OTHER_EM;
  }
  return em * fontSize;
}

/** The text item properties Vega passes to a width function. */
export interface TextItem {
  /** Font size in pixels (Vega may pass a string or nothing). */
  readonly fontSize?: number | string | null;
  /** Font weight, such as `bold` or 700. */
  readonly fontWeight?: number | string | null;
}

/**
 * A replacement for Vega's `textMetrics.width(item, text)`: the width of `text` in the item's
 * font size (Vega's default 11) and weight (bold from 600 up, or `bold`/`bolder`).
 */
export function vegaTextWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize === undefined || item.fontSize === null ? 11 : Number(item.fontSize) || 0;
  const weight = item.fontWeight;
  const bold = weight === 'bold' || weight === 'bolder' || (weight !== undefined && weight !== null && Number(weight) >= 600);
  return textWidth(text === undefined || text === null ? '' : String(text).trim(), size, bold);
}
