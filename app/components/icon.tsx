import {
  Activity,
  Check,
  ChevronDown,
  Circle,
  CircleCheck,
  Coins,
  LogOut,
  Menu,
  Monitor,
  Moon,
  Plug,
  Receipt,
  Satellite,
  Scale,
  ScrollText,
  Search,
  Settings,
  Sun,
  Tags,
  TriangleAlert,
  Users,
  X,
  type LucideIcon,
} from "lucide-react";

// The interface's own symbols, one set (lucide), rendered as inline SVG on
// the server: pages that never hydrate show them too. Emoji stay only where
// people chose them (a workspace's or an agent's icon).
const ICONS = {
  brand: Satellite,
  menu: Menu,
  close: X,
  chevron: ChevronDown,
  approvals: Scale,
  costs: Coins,
  heartbeat: Activity,
  settings: Settings,
  users: Users,
  audit: ScrollText,
  "task-types": Tags,
  prices: Receipt,
  "sign-out": LogOut,
  alert: TriangleAlert,
  gateway: Plug,
  done: CircleCheck,
  todo: Circle,
  check: Check,
  system: Monitor,
  light: Sun,
  dark: Moon,
  search: Search,
} satisfies Record<string, LucideIcon>;

export type IconName = keyof typeof ICONS;

/**
 * An icon beside words is decorative (hidden from assistive technology);
 * an icon alone must carry a `label`, read out in its place.
 */
export function Icon({ name, label, size = 16, className }: { name: IconName; label?: string; size?: number; className?: string }) {
  const Svg = ICONS[name];
  return (
    <Svg
      className={className ? `icon ${className}` : "icon"}
      width={size}
      height={size}
      strokeWidth={2}
      focusable="false"
      {...(label ? { role: "img", "aria-label": label } : { "aria-hidden": true })}
    />
  );
}
