package io.sluice.generate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * Writes synthetic order documents in the shape of a versioned e-commerce store: PascalCase keys, every value
 * a string, objects and arrays as stringified JSON, timestamps with seven fractional digits, several versions
 * per order (the first often without {@code LastChange}), re-sent versions, attachment keys, objects keyed by
 * ids, keys illegal as column names, personal data, and a few documents that cannot be structured.
 *
 * <p>Two layouts: {@link Layout#LANDING}, JSON lines files as an hourly feed delivers them, and
 * {@link Layout#HISTORY}, one document per file under {@code <HH>_<Kind>Order/<32-hex id>/id/}.
 */
public final class OrderGenerator {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);
    private static final String[] STATUSES = {"order-created", "payment-pending", "payment-approved", "handling",
            "invoiced", "canceled"};
    private static final String[] CATEGORIES = {"Casa", "Móveis", "Eletro", "Cozinha", "Jardim", "Decoração"};
    private static final String[] FIRST = {"Ana", "João", "Maria", "José", "Lúcia", "Pedro"};
    private static final String[] LAST = {"Silva", "Souza", "Oliveira", "Pereira", "Lima", "Costa"};

    /** How the documents are laid out on disk. */
    public enum Layout {
        /** JSON lines files, many documents each, as the hourly feed lands them. */
        LANDING,
        /** One document per file under {@code <HH>_<Kind>Order/<32-hex id>/id/}. */
        HISTORY
    }

    /**
     * What was written; what a correct pipeline makes of it.
     *
     * @param orders distinct orders
     * @param versions distinct good versions, (Id, LastChange): the rows of the all-versions table
     * @param documents documents written, re-sends and bad ones included
     * @param resent versions written a second time, byte for byte
     * @param bad documents that cannot be structured
     * @param versionsByDate good versions per business date (LastChange, else CreationDate, in UTC)
     * @param files files written
     */
    public record Summary(long orders, long versions, long documents, long resent, long bad,
                          Map<LocalDate, Long> versionsByDate, int files) {
    }

    private final long orders;
    private final long seed;
    private final LocalDate start;
    private final int days;

    public OrderGenerator(long orders, long seed, LocalDate start, int days) {
        if (orders < 1) {
            throw new IllegalArgumentException("the number of orders must be at least 1, got " + orders);
        }
        if (days < 1) {
            throw new IllegalArgumentException("--days must be at least 1, got " + days);
        }
        this.orders = orders;
        this.seed = seed;
        this.start = requireNonNull(start, "start is null");
        this.days = days;
    }

    /** Writes the documents into {@code directory} in {@code layout}, {@code perFile} documents a landing file. */
    public Summary generate(Path directory, Layout layout, int perFile) {
        Random random = new Random(seed);
        Map<LocalDate, Long> byDate = new TreeMap<>();
        List<String> documents = new ArrayList<>();
        List<String> historyPaths = new ArrayList<>();
        long versions = 0;
        long resent = 0;
        long bad = 0;
        for (long n = 0; n < orders; n++) {
            String hex = hex(random);
            boolean fulfillment = random.nextInt(3) == 0;
            String id = (fulfillment ? "FUL-" : "") + hex.substring(0, 13) + "-01";
            Instant created = start.atStartOfDay(ZoneOffset.UTC).toInstant()
                    .plusSeconds((long) (random.nextDouble() * days * 86_400L));
            int count = 1 + random.nextInt(4);
            Instant lastChange = created;
            for (int v = 0; v < count; v++) {
                boolean firstWithoutChange = v == 0 && random.nextInt(3) == 0;
                Instant changed = null;
                if (!firstWithoutChange) {
                    lastChange = lastChange.plus(Duration.ofMinutes(5 + random.nextInt(60 * 30)))
                            .plusNanos(100L * random.nextInt(10_000_000));
                    changed = lastChange;
                }
                String document = document(random, id, hex, created, changed, v);
                documents.add(document);
                historyPaths.add(folder(hex, fulfillment) + "/" + hex + "/id/" + fileName(id, changed, v));
                versions++;
                LocalDate date = (changed == null ? created : changed).atZone(ZoneOffset.UTC).toLocalDate();
                byDate.merge(date, 1L, Long::sum);
                if (random.nextInt(10) == 0) {
                    documents.add(document);
                    historyPaths.add(folder(hex, fulfillment) + "/" + hex + "/id/" + fileName(id, changed, v)
                            + ".resent");
                    resent++;
                }
            }
            if (random.nextInt(40) == 0) {
                documents.add(unstructurable(id, created));
                historyPaths.add(folder(hex, fulfillment) + "/" + hex + "/id/broken.json");
                bad++;
            }
        }
        int files = layout == Layout.LANDING ? writeLanding(directory, documents, perFile)
                : writeHistory(directory, documents, historyPaths);
        return new Summary(orders, versions, documents.size(), resent, bad, byDate, files);
    }

    private String document(Random random, String id, String hex, Instant created, Instant changed, int version) {
        ObjectNode doc = NODES.objectNode();
        doc.put("Id", id);
        doc.put("OrderGroup", hex.substring(0, 13));
        doc.put("CreationDate", timestamp(created));
        if (changed == null) {
            doc.putNull("LastChange");
        } else {
            doc.put("LastChange", timestamp(changed));
        }
        doc.put("Status", STATUSES[Math.min(version + random.nextInt(2), STATUSES.length - 1)]);
        doc.put("HostName", "loja" + random.nextInt(5));
        ArrayNode items = NODES.arrayNode();
        int itemCount = 1 + random.nextInt(3);
        for (int i = 0; i < itemCount; i++) {
            ObjectNode item = items.addObject();
            item.put("id", Integer.toString(1 + random.nextInt(900)));
            item.put("productId", String.format("%03d", random.nextInt(1000)));
            item.put("quantity", Integer.toString(1 + random.nextInt(3)));
            item.put("price", Integer.toString(990 + random.nextInt(50_000)));
            item.set("attachments", NODES.arrayNode().add(NODES.objectNode().put("name", "Garantia")
                    .set("content", NODES.objectNode().put("Garantia estendida", "12 meses"))));
            item.set("itemAttachment", NODES.objectNode().put("name", "gift")
                    .set("content", NODES.objectNode().put("Mensagem do presente", "Parabéns!")));
            ObjectNode categories = NODES.objectNode();
            categories.put(Integer.toString(1 + random.nextInt(50)), CATEGORIES[random.nextInt(CATEGORIES.length)]);
            categories.put(Integer.toString(51 + random.nextInt(50)), CATEGORIES[random.nextInt(CATEGORIES.length)]);
            item.set("productCategories", categories);
            item.set("additionalInfo", NODES.objectNode().put("brandName", "Marca " + random.nextInt(9)));
        }
        doc.put("Items", items.toString());
        doc.put("Sellers", NODES.arrayNode().add(NODES.objectNode().put("id", "1").put("name", "Loja")).toString());
        doc.put("Totalizations", NODES.arrayNode().add(NODES.objectNode().put("id", "Items")
                .put("name", "Total dos Itens").put("value", 990 + random.nextInt(50_000))).toString());
        String first = FIRST[random.nextInt(FIRST.length)];
        String last = LAST[random.nextInt(LAST.length)];
        doc.put("ClientProfileData", NODES.objectNode()
                .put("email", first.toLowerCase() + "." + last.toLowerCase() + random.nextInt(1000) + "@example.com")
                .put("firstName", first).put("lastName", last)
                .put("document", String.format("%011d", (long) (random.nextDouble() * 1e11)))
                .put("phone", "+55119" + String.format("%08d", random.nextInt(100_000_000)))
                .put("userProfileId", hex.substring(0, 8) + "-" + hex.substring(8, 12)).toString());
        ObjectNode address = NODES.objectNode().put("receiverName", first + " " + last)
                .put("street", "Rua " + LAST[random.nextInt(LAST.length)]).put("number", Integer.toString(random.nextInt(2000)))
                .put("complement", "apto " + random.nextInt(200)).put("city", "São Paulo").put("state", "SP")
                .put("postalCode", String.format("%05d-%03d", random.nextInt(100_000), random.nextInt(1000)));
        address.set("geoCoordinates", NODES.arrayNode().add(-46.6 + random.nextDouble()).add(-23.5 + random.nextDouble()));
        ObjectNode shipping = NODES.objectNode();
        shipping.set("address", address);
        shipping.set("selectedAddresses", NODES.arrayNode().add(address.deepCopy()));
        doc.put("ShippingData", shipping.toString());
        ObjectNode matched = NODES.objectNode().put("paymentMethodId", Integer.toString(random.nextInt(20)))
                .put("Seller@CatalogSystem", "1").put("zip-code", "01000").put("product category", "35");
        doc.put("RatesAndBenefitsData", NODES.objectNode().set("rateAndBenefitsIdentifiers", NODES.arrayNode()
                .add(NODES.objectNode().put("id", "promo" + random.nextInt(5)).set("matchedParameters", matched)))
                .toString());
        ObjectNode inputValues = NODES.objectNode();
        inputValues.set("Gift message", NODES.objectNode().put("maximumNumberOfCharacters", "100"));
        inputValues.set("font-size", NODES.objectNode().put("domain", "[\"10\",\"12\"]"));
        doc.put("ItemMetadata", NODES.objectNode().set("Items", NODES.arrayNode().add(NODES.objectNode()
                .put("Id", "1").set("assemblyOptions", NODES.arrayNode().add(NODES.objectNode()
                        .put("Id", "vtex.subscription").put("Name", "assinatura")
                        .set("inputValues", inputValues))))).toString());
        doc.put("CustomData", NODES.objectNode().set("customApps", NODES.arrayNode().add(NODES.objectNode()
                .put("id", "marketing-app").set("fields", NODES.objectNode().put("utm source", "google")
                        .put("affiliate-id", Integer.toString(random.nextInt(100))).put("@type", "lead")))).toString());
        return doc.toString();
    }

    /** A document whose {@code Items} holds stringified JSON cut short: it cannot be structured. */
    private static String unstructurable(String id, Instant created) {
        ObjectNode doc = NODES.objectNode();
        doc.put("Id", id);
        doc.put("CreationDate", timestamp(created));
        doc.putNull("LastChange");
        doc.put("Items", "[{\"id\":\"1\",\"productId\":");
        return doc.toString();
    }

    private static String folder(String hex, boolean fulfillment) {
        return hex.substring(0, 2).toUpperCase() + (fulfillment ? "_FulfillmentOrder" : "_CheckoutOrder");
    }

    private static String fileName(String id, Instant changed, int version) {
        return id + "_" + (changed == null ? "v" + version : changed.toString()) + ".json";
    }

    /** ISO-8601 UTC with seven fractional digits, as the store writes them. */
    static String timestamp(Instant instant) {
        return SECONDS.format(instant) + "." + String.format("%09d", instant.getNano()).substring(0, 7) + "Z";
    }

    private static String hex(Random random) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static int writeLanding(Path directory, List<String> documents, int perFile) {
        int files = 0;
        for (int from = 0; from < documents.size(); from += perFile) {
            files++;
            write(directory.resolve(String.format("orders-%05d.json", files)),
                    documents.subList(from, Math.min(documents.size(), from + perFile)));
        }
        return files;
    }

    private static int writeHistory(Path directory, List<String> documents, List<String> paths) {
        for (int i = 0; i < documents.size(); i++) {
            write(directory.resolve(paths.get(i)), List.of(documents.get(i)));
        }
        return documents.size();
    }

    private static void write(Path file, List<String> lines) {
        try {
            Files.createDirectories(file.getParent());
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (String line : lines) {
                    out.write(line);
                    out.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
