package io.sluice.generate;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.SplittableRandom;

import static java.util.Objects.requireNonNull;

/**
 * A domain and one of its event types, with the keys its {@code data} object carries besides {@code id}.
 *
 * @param domain the business domain: account, transaction, card, customer, loan
 * @param eventType what happened: created, status-change, authorized...
 * @param weight how often it occurs relative to the others
 */
record EventKind(String domain, String eventType, int weight) {
    /** Every kind the generator writes, the frequent ones first. */
    static final List<EventKind> ALL = List.of(
            new EventKind("transaction", "created", 12), new EventKind("transaction", "authorized", 12),
            new EventKind("transaction", "settled", 10), new EventKind("transaction", "reversed", 2),
            new EventKind("card", "issued", 4), new EventKind("card", "activated", 4),
            new EventKind("card", "blocked", 2), new EventKind("account", "created", 5),
            new EventKind("account", "status-change", 8), new EventKind("account", "closed", 2),
            new EventKind("customer", "created", 5), new EventKind("customer", "address-change", 4),
            new EventKind("customer", "kyc-verified", 3), new EventKind("loan", "applied", 3),
            new EventKind("loan", "approved", 2), new EventKind("loan", "disbursed", 2),
            new EventKind("loan", "repaid", 2));
    private static final int TOTAL_WEIGHT = ALL.stream().mapToInt(EventKind::weight).sum();
    private static final String[] STATUSES = {"ACTIVE", "INACTIVE", "BLOCKED", "SUSPENDED", "DELETED"};
    private static final String[] REASONS = {"customer request", "fraud suspicion", "inactivity", "court order",
            "risk review", "payment overdue"};
    private static final String[] CURRENCIES = {"BRL", "USD", "EUR", "GBP"};
    private static final String[] MERCHANTS = {"Padaria Central", "Posto Ipiranga", "Livraria Cultura",
            "Farmácia São João", "Mercado Livre", "Uber", "iFood", "Amazon"};
    private static final String[] NETWORKS = {"visa", "mastercard", "elo", "amex"};
    private static final String[] CITIES = {"São Paulo", "Rio de Janeiro", "Belo Horizonte", "Porto Alegre",
            "Recife", "Curitiba", "Lisboa", "Buenos Aires"};
    private static final String[] SEGMENTS = {"retail", "premium", "private", "business"};

    EventKind {
        requireNonNull(domain, "domain is null");
        requireNonNull(eventType, "eventType is null");
    }

    /** A kind drawn by weight. */
    static EventKind draw(SplittableRandom random) {
        int ticket = random.nextInt(TOTAL_WEIGHT);
        for (EventKind kind : ALL) {
            ticket -= kind.weight;
            if (ticket < 0) {
                return kind;
            }
        }
        throw new IllegalStateException("weights do not add up to " + TOTAL_WEIGHT);
    }

    /** Writes the keys of {@code data} after {@code id}, drawn anew on every call. */
    void writeData(JsonGenerator json, SplittableRandom random) throws IOException {
        switch (domain) {
            case "transaction" -> {
                json.writeNumberField("account_id", random.nextInt(1, 200_000));
                json.writeFieldName("amount");
                json.writeNumber(BigDecimal.valueOf(random.nextLong(1, 2_000_000), 2));
                json.writeStringField("currency", pick(CURRENCIES, random));
                json.writeStringField("merchant", pick(MERCHANTS, random));
            }
            case "card" -> {
                json.writeNumberField("account_id", random.nextInt(1, 200_000));
                json.writeStringField("last4", String.format("%04d", random.nextInt(10_000)));
                json.writeStringField("network", pick(NETWORKS, random));
            }
            case "account" -> {
                json.writeStringField("old_status", pick(STATUSES, random));
                json.writeStringField("new_status", pick(STATUSES, random));
                json.writeStringField("reason", pick(REASONS, random));
            }
            case "customer" -> {
                json.writeStringField("city", pick(CITIES, random));
                json.writeStringField("segment", pick(SEGMENTS, random));
                json.writeBooleanField("verified", random.nextBoolean());
            }
            case "loan" -> {
                json.writeFieldName("principal");
                json.writeNumber(BigDecimal.valueOf(random.nextLong(100_000, 50_000_000), 2));
                json.writeFieldName("rate");
                json.writeNumber(BigDecimal.valueOf(random.nextInt(100, 3_000), 4));
                json.writeNumberField("term_months", 6 * random.nextInt(1, 61));
            }
            default -> throw new IllegalStateException("no data shape for domain " + domain);
        }
    }

    private static String pick(String[] values, SplittableRandom random) {
        return values[random.nextInt(values.length)];
    }
}
