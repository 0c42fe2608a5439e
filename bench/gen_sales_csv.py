"""Write N lines of realistic sales CSV in the canonical import format, the same N lines every run.

    python bench/gen_sales_csv.py 200000 > sales.csv
    python bench/gen_sales_csv.py 200000 sales.csv --prefix B1-

Orders have 1 to 4 lines; customers buy several times (about one customer per six lines); online
orders ship with a carrier and most are delivered, some late; store orders have no delivery.
"""

import csv
import datetime as dt
import random
import sys
import unicodedata

COLUMNS = (
    "order_id",
    "ordered_at",
    "channel",
    "currency",
    "customer_id",
    "customer_email",
    "customer_name",
    "customer_phone",
    "customer_birth_date",
    "customer_language",
    "item_sku",
    "item_name",
    "item_category",
    "quantity",
    "unit_price",
    "promised_delivery_date",
    "estimated_delivery_date",
    "delivered_at",
    "carrier",
    "tracking_number",
    "delivery_status",
)
FIRST = (
    "María",
    "Lucía",
    "Carmen",
    "Ana",
    "Laura",
    "Marta",
    "Elena",
    "Paula",
    "Sara",
    "Julia",
    "Antonio",
    "Manuel",
    "José",
    "David",
    "Javier",
    "Daniel",
    "Carlos",
    "Jordi",
    "Pablo",
    "Iker",
)
LAST = (
    "García",
    "Fernández",
    "González",
    "Rodríguez",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Martín",
    "Jiménez",
    "Ruiz",
    "Hernández",
    "Díaz",
    "Moreno",
    "Puig",
    "Soler",
    "Etxeberria",
    "Castro",
    "Vidal",
)
PRODUCTS = (
    ("ZAP-001", "Zapatillas running Trail 2", "calzado", "89.90"),
    ("ZAP-014", "Zapatillas urbanas lona", "calzado", "49.95"),
    ("BOT-220", "Botas de montaña impermeables", "calzado", "129.00"),
    ("CAL-010", "Calcetines técnicos (pack 3)", "textil", "12.50"),
    ("CHA-300", "Chaqueta impermeable", "textil", "120.00"),
    ("CAM-105", "Camiseta técnica manga corta", "textil", "24.99"),
    ("MOC-020", "Mochila 20 L, negra", "accesorios", "45.00"),
    ("BOT-001", "Botella térmica 750 ml", "accesorios", "19.99"),
    ("GOR-002", "Gorra técnica", "accesorios", "15.50"),
    ("CAF-IT-6", "Cafetera italiana 6 tazas", "hogar", "34.90"),
    ("TAZ-350", "Taza de cerámica 350 ml", "hogar", "12.00"),
    ("MOL-MAN", "Molinillo de café manual", "hogar", "29.95"),
    ("AUR-BT5", "Auriculares Bluetooth", "electrónica", "59.00"),
    ("CAR-USB", "Cargador USB-C 30 W", "electrónica", "22.90"),
    ("LIB-101", "Guía de rutas por los Picos de Europa", "libros", "21.00"),
    ("REG-050", "Tarjeta regalo 50 €", "regalos", "50.00"),
)
CARRIERS = ("SEUR", "Correos", "MRW", "GLS", "DHL", "Nacex")
START = dt.datetime(2023, 1, 2, 8, 0, tzinfo=dt.UTC)
# Orders are 3 minutes apart, closer in a file too long for that to end by END: an import refuses
# an order time after tomorrow (2,000,000 lines at 3 minutes would reach 2028).
END = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MEAN_LINES_PER_ORDER = 13 / 6  # the mean of the line counts drawn below


def _customer(number: int, prefix: str) -> tuple[str, ...]:
    rng = random.Random(number)  # the same person on every order
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = _ascii(f"{first}.{last}.{number}@example.com".lower())
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000)) if rng.random() < 0.6 else ""
    phone = f"+34 6{rng.randrange(10**8):08d}" if rng.random() < 0.8 else ""
    return (
        f"{prefix}C{number:07d}",
        email,
        f"{first} {last}",
        phone,
        str(birth),
        "en" if rng.random() < 0.1 else "es",
    )


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _delivery(rng: random.Random, ordered_at: dt.datetime, channel: str) -> tuple[str, ...]:
    if channel == "store":
        return ("",) * 6
    promised = ordered_at.date() + dt.timedelta(days=rng.randint(2, 4))
    carrier = rng.choice(CARRIERS)
    tracking = f"{carrier[:3].upper()}{rng.randrange(10**9):09d}"
    roll = rng.random()
    if roll < 0.7:
        delivered = ordered_at + dt.timedelta(hours=rng.randint(20, 120))
        return (str(promised), "", delivered.isoformat(), carrier, tracking, "delivered")
    if roll < 0.85:
        return (str(promised), "", "", carrier, tracking, "in_transit")
    if roll < 0.95:
        late = promised + dt.timedelta(days=rng.randint(1, 6))
        return (str(promised), str(late), "", carrier, tracking, "delayed")
    return (str(promised), "", "", "", "", "pending")


def write_sales_csv(out, lines: int, *, seed: int = 42, prefix: str = "") -> int:
    """Write a header and `lines` data lines to a text file; returns the number of orders."""
    rng = random.Random(seed)
    customers = max(1, lines // 6)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    written = orders = 0
    span = (END - START).total_seconds()
    step = min(180.0, 0.9 * span * MEAN_LINES_PER_ORDER / max(lines, 1))
    while written < lines:
        orders += 1
        count = min(rng.choice((1, 1, 2, 2, 3, 4)), lines - written)
        ordered_at = START + dt.timedelta(seconds=int(orders * step) + rng.randrange(120))
        channel = rng.choices(("online", "store", "phone"), (80, 15, 5))[0]
        head = (f"{prefix}{orders:08d}", ordered_at.isoformat(), channel, "EUR")
        customer = _customer(rng.randrange(customers), prefix)
        delivery = _delivery(rng, ordered_at, channel)
        for sku, name, category, price in rng.sample(PRODUCTS, count):
            quantity = rng.choice((1, 1, 1, 2, 3))
            writer.writerow((*head, *customer, sku, name, category, quantity, price, *delivery))
        written += count
    return orders


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--prefix")]
    prefix = next((a.split("=", 1)[1] for a in argv if a.startswith("--prefix=")), "")
    lines = int(args[0]) if args else 1000
    if len(args) > 1:
        with open(args[1], "w", newline="", encoding="utf-8") as out:
            write_sales_csv(out, lines, prefix=prefix)
    else:
        write_sales_csv(sys.stdout, lines, prefix=prefix)


if __name__ == "__main__":
    main(sys.argv[1:])
