import { generate } from "lean-qr/nano";
import { toSvgPath } from "lean-qr/extras/svg";

/** A QR code drawn as one SVG path: crisp at any size, no canvas, nothing inline to style. */
export function QrCode(props: { text: string; label: string }) {
  const code = generate(props.text);
  const pad = 2;
  const box = code.size + pad * 2;
  return (
    <svg
      class="qr"
      viewBox={`${-pad} ${-pad} ${box} ${box}`}
      role="img"
      aria-label={props.label}
      shape-rendering="crispEdges"
    >
      <path d={toSvgPath(code)} fill="#000000" />
    </svg>
  );
}
