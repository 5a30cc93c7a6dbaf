// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.tokenizer.TokenOffsets;
import dev.egemma.tokenizer.TokenType;
import dev.egemma.tokenizer.Tokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /tokenize}, TEI's tokenizer route: for each input, its tokens as
 * {@code {"id", "text", "special", "start", "stop"}}, exactly the ids {@code /embed} feeds the model (prompt
 * applied, special tokens added unless {@code add_special_tokens} is false), never truncated. start/stop are code
 * point offsets in the text as tokenized (with {@code prompt_name}, the prompt included), null where not known
 * ({@link TokenOffsets}).
 */
final class TeiTokenizeRoute extends TeiRoute {
    TeiTokenizeRoute(ServerContext ctx) {
        super(ctx, "/tokenize", "POST");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        Tokenizer t = tokenizer(ex);
        TeiRequests.Tokenize req = TeiRequests.tokenize(body(ex), ctx.limits().maxInputs());
        List<int[]> all = new ArrayList<>(req.texts().size());
        List<int[][]> spans = new ArrayList<>(req.texts().size());
        for (String text : req.texts()) {
            int[] ids = t.encode(text, req.addSpecialTokens(), true);
            all.add(ids);
            spans.add(TokenOffsets.of(t, text, ids, req.addSpecialTokens()));
        }
        byte[] body = Json.write(g -> {
            g.writeStartArray();
            for (int s = 0; s < all.size(); s++) {
                int[] ids = all.get(s);
                String text = req.texts().get(s);
                g.writeStartArray();
                for (int k = 0; k < ids.length; k++) {
                    int id = ids[k];
                    int[] span = spans.get(s)[k];
                    boolean special = t.tokenType(id) == TokenType.CONTROL;
                    g.writeStartObject();
                    g.writeNumberField("id", id);
                    // a special token's text is its name (<bos>); an ordinary one's the text it stands for
                    g.writeStringField("text", special ? t.piece(id) : span[0] >= 0 ? codePoints(text, span) : t.decode(new int[] {id}, true));
                    g.writeBooleanField("special", special);
                    if (span[0] >= 0) {
                        g.writeNumberField("start", span[0]);
                        g.writeNumberField("stop", span[1]);
                    } else {
                        g.writeNullField("start");
                        g.writeNullField("stop");
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        });
        sendJson(ex, 200, body);
        return 200;
    }

    private static String codePoints(String text, int[] span) {
        return text.substring(text.offsetByCodePoints(0, span[0]), text.offsetByCodePoints(0, span[1]));
    }
}
