"""The starting canned replies, in English and Simplified Chinese (docs: ../shared/DOMAIN.md).

Seeded by a data migration and edited in the admin afterwards. This module imports no
models, so the migration can use it with its historical model. Placeholders are those
`tickets.canned.render_canned_reply` fills in: {customer_name}, {reference}, {agent_name},
{order_number}, {first_reply_due} and {title}.
"""

# language -> [(position, title, body)], in the order agents usually need them.
DEFAULT_CANNED_REPLIES: dict[str, list[tuple[int, str, str]]] = {
    "en": [
        (
            10,
            "Greeting and empathy",
            "Hello {customer_name},\n\n"
            "Thank you for getting in touch about order {order_number}. My name is "
            "{agent_name} and I will look after your complaint {reference} personally. "
            "I understand how frustrating this must be, and I will do my best to put it right.",
        ),
        (
            20,
            "Apology",
            "Hello {customer_name},\n\n"
            'We are sorry for the trouble with "{title}". This is not the experience we want '
            "you to have, and we will make it right as quickly as we can.",
        ),
        (
            30,
            "Ask for photos or evidence",
            "Hello {customer_name},\n\n"
            "To resolve this quickly, could you please send us clear photos or a short video "
            "of the item and its packaging (including the shipping label, if you still have "
            "it)? Simply reply to this message with them. As soon as we receive them we will "
            "continue with your complaint {reference}.",
        ),
        (
            40,
            "Next steps and when we will reply",
            "Hello {customer_name},\n\n"
            "We have registered your complaint under reference {reference} and are now checking "
            "your order details and delivery records. You will hear from us by "
            "{first_reply_due} at the latest, and we will let you know at every step.",
        ),
        (
            50,
            "Refund in progress",
            "Hello {customer_name},\n\n"
            "The refund for order {order_number} has been issued to your original payment "
            "method. It usually arrives within 1 to 7 working days, depending on your bank or "
            "payment provider. If it has not arrived by then, please reply to this message and "
            "we will follow it up for you.",
        ),
        (
            60,
            "Exchange arranged",
            "Hello {customer_name},\n\n"
            "We have arranged an exchange for order {order_number}. A courier will collect the "
            "original item and we will send the replacement as soon as possible; we cover the "
            "shipping both ways. We will send you the tracking number once it is on its way.",
        ),
        (
            70,
            "Closing and satisfaction question",
            "Hello {customer_name},\n\n"
            "Has your complaint {reference} been resolved to your satisfaction? We would be "
            "grateful if you could rate how we handled it from 1 (very dissatisfied) to 5 "
            "(very satisfied) - your answer helps us improve. Thank you for your patience.",
        ),
        (
            80,
            "Follow-up call missed",
            "Hello {customer_name},\n\n"
            "We called you today to follow up on your complaint {reference} but could not "
            "reach you. Please reply to this message or tell us a convenient time to call "
            "back, and we will get in touch again.\n\n{agent_name}",
        ),
    ],
    "zh-hans": [
        (
            10,
            "问候与安抚",
            "{customer_name}您好，我是客服{agent_name}，很高兴为您服务。您反馈的订单 "
            "{order_number} 的问题（投诉编号 {reference}）将由我全程跟进。给您带来不便，"
            "我们非常理解您的心情，请您放心，我们一定会认真为您处理。",
        ),
        (
            20,
            "致歉",
            "{customer_name}您好，关于“{title}”给您带来的困扰，我们深表歉意。"
            "这不是我们希望带给您的购物体验，我们会尽快为您妥善处理。",
        ),
        (
            30,
            "请提供照片或凭证",
            "{customer_name}您好，为了尽快为您核实处理，麻烦您提供商品及外包装的清晰照片"
            "或短视频（如快递面单还在，也请一并拍摄），直接回复本消息即可。"
            "收到后我们会第一时间继续处理您的投诉（编号 {reference}）。",
        ),
        (
            40,
            "处理进度与答复时间",
            "{customer_name}您好，您的投诉已受理，编号为 {reference}。我们正在核实订单和物流"
            "信息，最迟将于 {first_reply_due} 前给您答复，处理过程中的每一步也会及时告知您。",
        ),
        (
            50,
            "退款处理中",
            "{customer_name}您好，订单 {order_number} 的退款已提交处理，款项将原路退回，"
            "一般 1–7 个工作日到账，具体以银行或支付平台为准。如届时仍未到账，"
            "请直接回复本消息，我们会为您跟进。",
        ),
        (
            60,
            "已安排换货",
            "{customer_name}您好，已为您的订单 {order_number} 安排换货。快递员会上门取回原商品，"
            "新商品将尽快为您发出，往返运费由我们承担。发货后我们会把物流单号告知您。",
        ),
        (
            70,
            "结案回访与满意度",
            "{customer_name}您好，您的投诉（编号 {reference}）现在是否已经得到解决？"
            "麻烦您为本次处理打分（1 分为非常不满意，5 分为非常满意），"
            "您的意见对我们改进服务非常重要。感谢您的耐心与支持！",
        ),
        (
            80,
            "回访电话未接通",
            "{customer_name}您好，我们今天致电回访您的投诉（编号 {reference}），"
            "但未能联系上您。方便时请直接回复本消息，或告诉我们合适的回电时间，"
            "我们会再与您联系。客服{agent_name}",
        ),
    ],
}


def seed_canned_replies(canned_reply_model) -> None:
    """Create the default replies for each language that has none yet.

    A language that already has replies is left alone, so running this again (a test
    re-seeding, a repeated migration) never duplicates or overwrites what staff edited.
    """
    for language, replies in DEFAULT_CANNED_REPLIES.items():
        if canned_reply_model.objects.filter(language=language).exists():
            continue
        canned_reply_model.objects.bulk_create(
            canned_reply_model(language=language, position=position, title=title, body=body)
            for position, title, body in replies
        )
