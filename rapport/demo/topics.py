"""What the demo's customers write about, and how the team answers.

Each topic is a small script: how a customer opens, the agent's first answer, a possible
second round, and internal notes. Texts carry ``{placeholders}`` that ``threads.fill``
fills from a per-conversation context (order number, product, size, agent's name...).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapport.demo.people import CARE, ORDERS


@dataclass(frozen=True)
class Topic:
    key: str
    tag: str
    team: str
    subjects: tuple[str, ...]
    openings: tuple[str, ...]
    replies: tuple[str, ...]  # the agent's first answer
    followups: tuple[str, ...]  # the customer's second message
    answers: tuple[str, ...]  # the agent's second answer
    notes: tuple[str, ...]  # internal notes; ``{mention}`` becomes an @handle
    urgency: float = 0.1  # chance of high or urgent priority
    asks_warehouse: bool = False  # notes mention the warehouse lead


RETAIL: tuple[Topic, ...] = (
    Topic(
        "where_is_order",
        "shipping",
        CARE,
        (
            "Where is my order?",
            "Order {order} not arrived",
            "Parcel still not here",
            "Tracking hasn't moved",
        ),
        (
            "Hi, I ordered the {item} on the {days}th and the tracking page still says 'label "
            "created'. Order number {order}. Could you check what's going on?",
            "Hello! My order {order} was supposed to arrive yesterday but nothing came. "
            "Is it lost?",
            "Hi there, the {carrier} tracking for {order} hasn't updated for four days. "
            "I need the {item} for a trip at the weekend, so I'm getting a bit nervous.",
        ),
        (
            "Hi {first}, thanks for the order number. I can see {order} left our warehouse and "
            "is with {carrier}; their scan was just late. It is due with you within two working "
            "days. If it hasn't arrived by then, reply here and we'll send a replacement.",
            "Hi {first}, sorry for the wait. {carrier} had a backlog at their {city} depot this "
            "week. Your parcel is moving again and the new tracking link is {tracking}.",
        ),
        (
            "Still nothing today, I'm afraid.",
            "The tracking now says 'delivery attempted' but I was home all day!",
        ),
        (
            "I've opened a claim with {carrier} and sent a replacement by express today; you'll "
            "get a new tracking e-mail this afternoon. No need to send anything back if the "
            "first parcel turns up, just keep it or pass it on.",
            "That's frustrating, sorry. I've asked {carrier} to redeliver tomorrow and added a "
            "note to leave it with a neighbour if you're out.",
        ),
        (
            "{mention} can you check whether {order} was actually handed to {carrier}? "
            "No scan since the label.",
            "Carrier delays in {city} again, third one this week. {mention} FYI.",
        ),
        urgency=0.12,
        asks_warehouse=True,
    ),
    Topic(
        "refund",
        "refund",
        ORDERS,
        ("Refund not received", "When will I get my refund?", "Refund for return {order}"),
        (
            "Hi, I sent back the {item} from order {order} two weeks ago and haven't seen the "
            "refund yet. Can you tell me when to expect it?",
            "Hello, you confirmed my return arrived but the €{amount} isn't on my card. "
            "How long does it usually take?",
        ),
        (
            "Hi {first}, your return was checked in and the refund of €{amount} went out "
            "today. Banks usually take 3 to 5 working days to show it.",
            "Hi {first}, I'm sorry, the refund was stuck waiting for a quality check. I've "
            "released it now: €{amount} back to the card you paid with.",
        ),
        (
            "It's been five days and there's still nothing on my statement.",
            "Thanks. Will shipping be refunded too?",
        ),
        (
            "I've checked with our payment provider: the refund is confirmed on their side with "
            "reference {invoice}. If your bank asks, that reference will help them find it.",
            "Yes, as the item was faulty we've refunded the original shipping as well; it comes "
            "as a separate line on your statement.",
        ),
        (
            "{mention} refund for {order} is over the usual limit, can you approve?",
            "Payment provider shows the refund as settled. Waiting for the bank.",
        ),
        urgency=0.08,
    ),
    Topic(
        "damaged_item",
        "damaged",
        CARE,
        ("Item arrived damaged", "Broken {item}", "Damaged in transit"),
        (
            "Hi, my {item} arrived today and it's cracked. The box looked fine from the "
            "outside. I've taken photos. Order {order}.",
            "Hello, unfortunately the {item} in order {order} came with a big tear along the "
            "seam. I was looking forward to it. What can you do?",
        ),
        (
            "Hi {first}, I'm really sorry it arrived like that. Please don't send it back; a "
            "replacement {item} is on its way today and you'll get tracking by e-mail.",
            "Hi {first}, that shouldn't happen, sorry. Could you reply with a photo of the "
            "damage and of the label on the box? Then I'll sort out a replacement or refund, "
            "whichever you prefer.",
        ),
        (
            "Thank you! Will the replacement come in the same kind of box?",
            "Photos attached. I'd prefer a refund please, the occasion has passed.",
        ),
        (
            "We've switched that item to a sturdier box with corner protection, so it should "
            "arrive in one piece this time.",
            "Done: €{amount} is on its way back to your card. Thanks for the photos, they help "
            "us improve the packaging.",
        ),
        (
            "{mention} second broken {item} this week, can we look at how these are packed?",
            "{mention} please hold back the remaining {item} stock until we check the batch.",
        ),
        urgency=0.3,
        asks_warehouse=True,
    ),
    Topic(
        "wrong_size",
        "exchange",
        CARE,
        ("Exchange for a different size", "Wrong size", "Size {size} too small"),
        (
            "Hi, the {item} I ordered in {size} is too small. Can I exchange it for a "
            "{new_size}? Order {order}.",
            "Hello, I love the {item} but the size runs small. Do you have it in {new_size} "
            "and how do I swap it?",
        ),
        (
            "Hi {first}, of course. I've reserved a {new_size} for you and sent a free return "
            "label to your e-mail. Drop the {size} off at any {carrier} point and we'll ship "
            "the new one as soon as it's scanned.",
            "Hi {first}, happy to help. The {new_size} is in stock. Use the return label in "
            "your order e-mail; exchanges are free.",
        ),
        (
            "Is there any way you can send the new one first? I need it for Saturday.",
            "Sent it back on Monday. Any news?",
        ),
        (
            "I've sent the {new_size} out today by express, before your return reaches us. "
            "Just drop the {size} off when you can.",
            "Your return was scanned this morning and the {new_size} left the warehouse an hour "
            "ago: {tracking}.",
        ),
        (
            "{mention} can you reserve one {item} in {new_size} for this exchange?",
            "Customer says our size chart for the {item} runs small; third mention this month.",
        ),
        urgency=0.05,
        asks_warehouse=True,
    ),
    Topic(
        "invoice_copy",
        "invoice",
        ORDERS,
        ("Invoice for order {order}", "Need a VAT invoice", "Copy of invoice please"),
        (
            "Hi, could you send me an invoice for order {order}? I need it for my expenses "
            "and it should show the VAT.",
            "Hello, I bought the {item} for our office. Can you make the invoice out to "
            "{company} instead of my name?",
        ),
        (
            "Hi {first}, here's your invoice {invoice} with VAT shown separately. You can "
            "also download invoices any time from your account under 'Orders'.",
            "Hi {first}, no problem. I've reissued invoice {invoice} in the company's name "
            "and attached it here.",
        ),
        ("Thanks! Could you add our VAT number as well?",),
        ("Done, the corrected invoice {invoice} now shows your VAT number.",),
        ("Reissued {invoice} in the company's name; the old one is voided.",),
        urgency=0.02,
    ),
    Topic(
        "change_address",
        "address-change",
        CARE,
        ("Change delivery address", "Wrong address on order {order}", "Moving house"),
        (
            "Hi, I just noticed I put my old address on order {order}. Can you change it to "
            "my new one in {city}? Details below.",
            "Hello, is it still possible to change the delivery address? I'll be at work in "
            "{city} on the delivery day.",
        ),
        (
            "Hi {first}, caught it in time. The order hadn't been packed yet, so I've updated "
            "the address. You'll get a fresh confirmation e-mail.",
            "Hi {first}, the parcel is already with {carrier}, so I can't change it on our "
            "side, but you can redirect it for free from their tracking page: {tracking}.",
        ),
        ("Great, thank you. Will it still arrive this week?",),
        ("Yes, it's scheduled for Thursday.",),
        ("{mention} please update the label for {order} before it goes out.",),
        urgency=0.15,
        asks_warehouse=True,
    ),
    Topic(
        "discount_code",
        "discount",
        CARE,
        ("Discount code not working", "Code {code} invalid", "Promo code problem"),
        (
            "Hi, I tried to use {code} at checkout and it says the code is invalid. The "
            "e-mail said it's valid until the end of the month.",
            "Hello, the code {code} didn't apply to my order {order}. Can you refund the "
            "difference?",
        ),
        (
            "Hi {first}, sorry about that. {code} doesn't apply to items already on sale, "
            "which is why checkout refused it. As a goodwill gesture I've refunded €{amount}, "
            "the amount the code would have saved.",
            "Hi {first}, there was a problem with {code} yesterday afternoon; it's fixed now. "
            "I've refunded the difference of €{amount} to your card.",
        ),
        ("Thanks, that's kind. Does the code work on the sale items at all?",),
        (
            "Not on sale items, I'm afraid, but it works on everything else until the end of "
            "the month.",
        ),
        (
            "{mention} is {code} supposed to exclude sale items? The e-mail didn't say so.",
            "Goodwill credit of €{amount} given, within my limit.",
        ),
        urgency=0.03,
    ),
    Topic(
        "account_login",
        "account",
        CARE,
        ("Can't log in", "Password reset e-mail not arriving", "Locked out of my account"),
        (
            "Hi, I've asked for a password reset three times and no e-mail arrives. I checked "
            "my spam folder too.",
            "Hello, my account says it's locked after too many attempts. I'd like to check my "
            "order history.",
        ),
        (
            "Hi {first}, our e-mails to your address were bouncing because of a typo on the "
            "account. I've corrected it; please try the reset link once more.",
            "Hi {first}, I've unlocked your account. The lock lifts by itself after an hour, "
            "too, in case it happens again.",
        ),
        ("Got it, I'm in now. Thank you!",),
        ("Glad that worked. Have a good day!",),
        ("Reset e-mails to this domain are delayed; {mention} worth checking the mail logs?",),
        urgency=0.02,
    ),
    Topic(
        "return_label",
        "returns",
        CARE,
        ("Return label", "How do I return an item?", "Return for order {order}"),
        (
            "Hi, I'd like to return the {item} from order {order}. It doesn't suit me. How do "
            "I get a label?",
            "Hello, the return label in my e-mail has expired. Can you send a new one?",
        ),
        (
            "Hi {first}, here's a new prepaid label for {carrier}. Pack the {item} in any box "
            "and drop it at a {carrier} point within 30 days.",
            "Hi {first}, I've sent a fresh return label to your e-mail. Refunds go out within "
            "two days of the parcel reaching us.",
        ),
        ("Do I need to include the original packaging?",),
        ("No need, any sturdy box or bag is fine.",),
        ("Return outside the 30 days but first order, allowed it anyway.",),
        urgency=0.02,
    ),
    Topic(
        "product_question",
        "product-question",
        CARE,
        ("Question about the {item}", "Back in stock?", "Material of the {item}"),
        (
            "Hi, is the {item} going to be back in stock in {size}? I've been waiting a while.",
            "Hello, what is the {item} made of exactly? I have a wool allergy.",
            "Hi! Is the {item} dishwasher safe, and does it come gift-wrapped?",
        ),
        (
            "Hi {first}, the next delivery of the {item} is due in about {days} days. I've "
            "added you to the list, so you'll get an e-mail the moment it's back.",
            "Hi {first}, good question. The {item} is 100% cotton on the outside with a "
            "recycled polyester lining, no wool anywhere.",
            "Hi {first}, yes to both: dishwasher safe, and you can tick 'gift wrap' at "
            "checkout for €3.",
        ),
        (
            "Could you reserve one for me when it arrives?",
            "That's a relief, thank you. Does it shrink in the wash?",
            "Lovely. Can you add a handwritten note to the gift wrap?",
        ),
        (
            "Reserved. We'll hold it for 48 hours after the stock arrives.",
            "Not if you wash it at 30 degrees; it keeps its size and colour.",
            "Of course: write the message in the comment field at checkout and we'll add it.",
        ),
        (
            "{mention} do we know the restock date for the {item}?",
            "{mention} can you check the label on the {item}? Customer has a wool allergy.",
            "{mention} can the {item} be gift-wrapped, or is the box too big?",
        ),
        urgency=0.01,
        asks_warehouse=True,
    ),
    Topic(
        "cancel_order",
        "cancellation",
        ORDERS,
        ("Cancel my order", "Please cancel order {order}", "Ordered twice by mistake"),
        (
            "Hi, I accidentally placed the same order twice ({order}). Could you cancel one "
            "of them?",
            "Hello, I'd like to cancel order {order}, I found the {item} somewhere closer.",
        ),
        (
            "Hi {first}, done: the second order is cancelled and the €{amount} is on its way "
            "back to your card.",
            "Hi {first}, it was already packed, but I've stopped it before collection. Your "
            "refund of €{amount} is on its way.",
        ),
        ("Thanks for the quick answer!",),
        ("You're welcome!",),
        ("{mention} please pull {order} from today's collection.",),
        urgency=0.2,
        asks_warehouse=True,
    ),
)

WHOLESALE_TOPICS: tuple[Topic, ...] = (
    Topic(
        "wholesale_pricing",
        "wholesale",
        ORDERS,
        ("Wholesale prices", "Trade account for {company}", "Stocking your homeware"),
        (
            "Hi, I run {company} in {city} and would like to stock your {item}. Do you have "
            "a trade price list and a minimum order?",
            "Hello, we're opening a second shop in {city} and want to carry a few of your "
            "lines. What are your wholesale terms?",
        ),
        (
            "Hi {first}, thanks for getting in touch. I've attached our trade price list: "
            "trade prices are about half of retail, the first order minimum is €{minimum}, and "
            "repeat orders have no minimum. Shall I open a trade account for {company}?",
            "Hi {first}, lovely to hear. Our terms: 30 days to pay after the first order, free "
            "delivery above €{minimum}, and a sample box for €40 credited against your first "
            "order.",
        ),
        (
            "Yes please. Could we start with {qty} of the {item} and pay on invoice?",
            "That sounds good. How long does delivery to {city} take?",
        ),
        (
            "The account for {company} is open. The first order is prepaid; after that you "
            "pay on 30-day invoice. Delivery to {city} takes 3 to 4 working days.",
            "Usually 3 to 4 working days; pallets take a little longer.",
        ),
        (
            "{mention} new trade account request from {company}, can you approve terms?",
            "Checked {company}'s registration, all fine.",
        ),
        urgency=0.08,
    ),
    Topic(
        "wholesale_reorder",
        "wholesale",
        ORDERS,
        ("Reorder for {company}", "Restock order", "Repeat order: {item}"),
        (
            "Hi, we'd like to reorder {qty} of the {item} and a mixed box of mugs. Same "
            "delivery address as last time.",
            "Hello, the {item} sold out in a week! Can we get another {qty} before the weekend?",
        ),
        (
            "Hi {first}, great to hear it's selling. Order {order} is confirmed for {qty} of "
            "the {item}; it ships tomorrow with delivery on {days}.",
            "Hi {first}, we have {qty} in stock, so I've booked them for you. Invoice "
            "{invoice} will follow with the delivery note.",
        ),
        ("Could you add a display stand if you have one?",),
        ("Added one stand, free of charge for trade partners.",),
        ("{mention} {company} reorder, please prioritise for tomorrow's collection.",),
        urgency=0.1,
        asks_warehouse=True,
    ),
    Topic(
        "wholesale_invoice",
        "invoice",
        ORDERS,
        ("Statement of account", "Invoice {invoice} question", "Payment terms"),
        (
            "Hi, could you send us a statement of our account? Our bookkeeper says invoice "
            "{invoice} doesn't match the delivery.",
            "Hello, could we move to 60-day payment terms? Cash flow is tight before the season.",
        ),
        (
            "Hi {first}, you're right: invoice {invoice} listed {qty} items, but we delivered "
            "fewer. I've issued a credit note and attached your statement.",
            "Hi {first}, I've passed this to our finance lead; we can usually extend terms for "
            "partners who have been with us a year. I'll come back to you this week.",
        ),
        (
            "Thank you. Can you confirm the corrected balance?",
            "Thanks, that would really help us through the spring.",
        ),
        (
            "Your balance is €{amount}, due at the end of next month.",
            "Good news: finance agreed to 60-day terms for {company} from next month's invoices.",
        ),
        (
            "{mention} credit note for the short delivery on {invoice}, please check before I "
            "send it.",
            "{mention} terms extension request from {company}, over my authority.",
        ),
        urgency=0.05,
    ),
)

# Shared lines for any topic.
CHASERS = (
    "Hi, just checking whether anyone has seen my message?",
    "Any news on this, please?",
    "Hello again, I haven't heard back yet.",
)
THANKS = (
    "Perfect, thank you so much!",
    "Great, thanks for sorting that out.",
    "Received, all good now. Thanks!",
    "Thank you, that was quick.",
)
HOLDING_REPLIES = (
    "Hi {first}, thanks for your patience. I've asked our warehouse to look into this and "
    "will get back to you by the end of the week.",
    "Hi {first}, I'm waiting to hear back from {carrier} about this. I'll update you as "
    "soon as I know more.",
)
SIGNOFFS = ("Best,", "Kind regards,", "Thanks,", "All the best,", "Cheers,")
# The warehouse lead's answers when she is asked in a note.
WAREHOUSE_ANSWERS = (
    "Checked the packing log: {order} was packed and scanned out to {carrier} on time.",
    "Found it. The parcel for {order} was still on the shelf, going out this afternoon.",
    "Stock count says we have 14 of the {item} left; I've put one aside.",
    "Photo from the packing station shows it left in one piece. I'll raise it with {carrier}.",
)
# Notes that ask nobody in particular.
PLAIN_NOTES = (
    "Customer sounds frustrated; second time this month. Let's be generous here.",
    "Checked the order history: long-time customer, always pays on time.",
    "Same question came in twice today, we should add it to the FAQ.",
)
