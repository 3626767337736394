/**
 * Renders Cairn's icons from one SVG drawing in Chromium and writes the PNGs the web manifest
 * and iOS ask for into pwa/public/icons. Run it again after changing the drawing:
 *   npx deno run -A scripts/make_icons.ts
 * The PNGs are committed, so building the PWA never needs a browser.
 */
import { writeFile } from "node:fs/promises";
import { launchBrowser } from "../test/helpers/browser.ts";

const OUT = new URL("../pwa/public/icons/", import.meta.url);
const BG = "#1f4d45";
const STONE = "#e9efe9";
const SHADE = "#c7d6cf";

/** Three stacked stones; `inset` shrinks the drawing into the maskable safe zone. */
function drawing(opts: { rounded: boolean; inset: number }): string {
  const r = opts.rounded ? 112 : 0;
  const s = 1 - opts.inset;
  const t = (512 * opts.inset) / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <rect width="512" height="512" rx="${r}" fill="${BG}" />
  <g transform="translate(${t} ${t}) scale(${s})">
    <ellipse cx="256" cy="357" rx="150" ry="54" fill="${SHADE}" />
    <ellipse cx="256" cy="349" rx="150" ry="54" fill="${STONE}" />
    <ellipse cx="248" cy="271" rx="110" ry="44" fill="${SHADE}" />
    <ellipse cx="248" cy="263" rx="110" ry="44" fill="${STONE}" />
    <ellipse cx="262" cy="196" rx="76" ry="34" fill="${SHADE}" />
    <ellipse cx="262" cy="189" rx="76" ry="34" fill="${STONE}" />
    <ellipse cx="254" cy="139" rx="42" ry="24" fill="${SHADE}" />
    <ellipse cx="254" cy="133" rx="42" ry="24" fill="${STONE}" />
  </g>
</svg>`;
}

const ICONS = [
  { file: "icon-192.png", size: 192, rounded: true, inset: 0.08 },
  { file: "icon-512.png", size: 512, rounded: true, inset: 0.08 },
  // Maskable: full bleed, drawing inside the central 80% circle the platforms may crop to.
  { file: "maskable-512.png", size: 512, rounded: false, inset: 0.26 },
  // iOS rounds corners itself and shows transparency as black: full bleed.
  { file: "apple-touch-icon.png", size: 180, rounded: false, inset: 0.12 },
];

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ width: 512, height: 512 });
  for (const icon of ICONS) {
    await page.setViewportSize({ width: icon.size, height: icon.size });
    const svg = drawing(icon);
    await page.setContent(
      `<html><body style="margin:0;background:transparent">` +
        svg.replace("<svg ", `<svg width="${icon.size}" height="${icon.size}" `) +
        `</body></html>`,
    );
    const png = await page.screenshot({ omitBackground: true, type: "png" });
    await writeFile(new URL(icon.file, OUT), png);
    console.log(`${icon.file}: ${icon.size}x${icon.size}, ${png.length} bytes`);
  }
  await writeFile(new URL("favicon.svg", OUT), drawing({ rounded: true, inset: 0.04 }) + "\n");
} finally {
  await browser.close();
}
